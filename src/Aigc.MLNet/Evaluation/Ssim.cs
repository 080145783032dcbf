using Aigc.Torch;

namespace Aigc.MLNet.Evaluation;

/// <summary>
/// Structural similarity (Wang et al., 2004) with the standard 11x11 Gaussian window (σ = 1.5),
/// K₁ = 0.01, K₂ = 0.03: per pixel, SSIM = ((2μₓμᵧ + C₁)(2σₓᵧ + C₂)) / ((μₓ² + μᵧ² + C₁)(σₓ² + σᵧ² + C₂))
/// with Cᵢ = (Kᵢ·L)², averaged over the positions where the window fits inside the image and over
/// channels. Matches scikit-image's <c>structural_similarity(gaussian_weights=True, sigma=1.5,
/// use_sample_covariance=False)</c> (tested).
/// </summary>
public static class Ssim
{
    /// <summary>Window size.</summary>
    public const int WindowSize = 11;

    /// <summary>SSIM of each pair of (N, C, H, W) images; H and W must be at least 11.</summary>
    /// <returns>(N) values in [-1, 1].</returns>
    public static Tensor Compute(Tensor x, Tensor y, double dataRange = 1.0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var shape = x.Shape;
        if (shape.Length != 4 || !shape.SequenceEqual(y.Shape))
            throw new ArgumentException($"Expected two image batches of the same (N, C, H, W) shape, got [{string.Join(", ", shape)}] and [{string.Join(", ", y.Shape)}].", nameof(y));
        if (shape[2] < WindowSize || shape[3] < WindowSize)
            throw new ArgumentException($"SSIM needs images of at least {WindowSize}x{WindowSize}, got {shape[2]}x{shape[3]}.", nameof(x));
        if (!(dataRange > 0)) throw new ArgumentOutOfRangeException(nameof(dataRange), dataRange, "must be > 0");
        using var scope = DisposeScope.Enter();
        using var noGrad = Engine.NoGrad();
        long n = shape[0], c = shape[1];
        var a = x.To(ScalarType.Float64).Reshape(n * c, 1, shape[2], shape[3]);
        var b = y.To(x.Device, ScalarType.Float64).Reshape(n * c, 1, shape[2], shape[3]);
        var w = Window(x.Device);
        Tensor Blur(Tensor t) => F.Conv2d(t, w);                  // valid positions only: (N·C, 1, H-10, W-10)
        var muA = Blur(a);
        var muB = Blur(b);
        var varA = Blur(a * a) - muA * muA;
        var varB = Blur(b * b) - muB * muB;
        var cov = Blur(a * b) - muA * muB;
        double c1 = Math.Pow(0.01 * dataRange, 2), c2 = Math.Pow(0.03 * dataRange, 2);
        var map = (2 * muA * muB + c1) * (2 * cov + c2) / ((muA * muA + muB * muB + c1) * (varA + varB + c2));
        return map.Reshape(n, -1).Mean(1).To(ScalarType.Float32).MoveToOuterScope(); // (N)
    }

    private static Tensor Window(Device device)
    {
        var g = new double[WindowSize];
        for (int i = 0; i < WindowSize; i++) g[i] = Math.Exp(-Math.Pow(i - WindowSize / 2, 2) / (2 * 1.5 * 1.5));
        double sum = g.Sum();
        var w = new double[WindowSize * WindowSize];
        for (int i = 0; i < WindowSize; i++)
            for (int j = 0; j < WindowSize; j++) w[i * WindowSize + j] = g[i] * g[j] / (sum * sum);
        return Tensor.FromArray(w, 1, 1, WindowSize, WindowSize).To(device);
    }
}
