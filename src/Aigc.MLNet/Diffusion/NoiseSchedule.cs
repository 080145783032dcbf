// Also compiled into Aigc.MLNet.Onnx: the ONNX sampler rebuilds these tables from the exported β_t.
namespace Aigc.MLNet.Diffusion;

/// <summary>
/// The forward process of a diffusion model: β_t for t = 0 … T − 1 and the quantities derived from
/// it (α_t = 1 − β_t, ᾱ_t = ∏α, ᾱ_{t−1}, and the posterior q(x_{t−1} | x_t, x₀)'s variance and
/// mean coefficients), precomputed in double precision. Noising: x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε.
/// </summary>
internal sealed partial class NoiseSchedule
{
    /// <summary>The schedule of the given β_t.</summary>
    public NoiseSchedule(double[] betas)
    {
        int n = betas.Length;
        Betas = betas;
        Alphas = betas.Select(b => 1 - b).ToArray();
        AlphasCumprod = new double[n];
        double product = 1;
        for (int t = 0; t < n; t++) AlphasCumprod[t] = product *= Alphas[t];
        AlphasCumprodPrevious = [1.0, .. AlphasCumprod[..^1]];
        SqrtAlphasCumprod = AlphasCumprod.Select(Math.Sqrt).ToArray();
        SqrtOneMinusAlphasCumprod = AlphasCumprod.Select(a => Math.Sqrt(1 - a)).ToArray();
        PosteriorVariance = new double[n];
        PosteriorMeanCoefficientX0 = new double[n];
        PosteriorMeanCoefficientXt = new double[n];
        for (int t = 0; t < n; t++)
        {
            double abar = AlphasCumprod[t], prev = AlphasCumprodPrevious[t];
            PosteriorVariance[t] = betas[t] * (1 - prev) / (1 - abar);
            PosteriorMeanCoefficientX0[t] = betas[t] * Math.Sqrt(prev) / (1 - abar);
            PosteriorMeanCoefficientXt[t] = (1 - prev) * Math.Sqrt(Alphas[t]) / (1 - abar);
        }
    }

    /// <summary>β_t, linear from <paramref name="betaStart"/> to <paramref name="betaEnd"/> over <paramref name="timesteps"/> steps.</summary>
    public static NoiseSchedule Linear(int timesteps, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timesteps, 2);
        if (!(betaStart > 0 && betaStart < betaEnd && betaEnd < 1))
            throw new ArgumentOutOfRangeException(nameof(betaStart), betaStart, $"need 0 < betaStart < betaEnd ({betaEnd}) < 1");
        return new(Enumerable.Range(0, timesteps).Select(t => betaStart + (betaEnd - betaStart) * t / (timesteps - 1)).ToArray());
    }

    /// <summary>The cosine schedule: ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T + s)/(1 + s))·π/2), and
    /// β_t = 1 − ᾱ(t + 1)/ᾱ(t) clipped at <paramref name="maxBeta"/>.</summary>
    public static NoiseSchedule Cosine(int timesteps, double s = 0.008, double maxBeta = 0.999)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timesteps, 2);
        double F(double t) => Math.Pow(Math.Cos((t / timesteps + s) / (1 + s) * Math.PI / 2), 2);
        return new(Enumerable.Range(0, timesteps).Select(t => Math.Min(1 - F(t + 1) / F(t), maxBeta)).ToArray());
    }

    /// <summary>T, the number of steps.</summary>
    public int Timesteps => Betas.Length;

    /// <summary>β_t.</summary>
    public double[] Betas { get; }

    /// <summary>α_t = 1 − β_t.</summary>
    public double[] Alphas { get; }

    /// <summary>ᾱ_t = α_0 · … · α_t.</summary>
    public double[] AlphasCumprod { get; }

    /// <summary>√ᾱ_t.</summary>
    public double[] SqrtAlphasCumprod { get; }

    /// <summary>√(1 − ᾱ_t).</summary>
    public double[] SqrtOneMinusAlphasCumprod { get; }

    /// <summary>ᾱ_{t−1}, with ᾱ_{−1} = 1.</summary>
    public double[] AlphasCumprodPrevious { get; }

    /// <summary>β̃_t = β_t(1 − ᾱ_{t−1})/(1 − ᾱ_t), the variance of q(x_{t−1} | x_t, x₀).</summary>
    public double[] PosteriorVariance { get; }

    /// <summary>The coefficient of x₀ in the posterior mean.</summary>
    public double[] PosteriorMeanCoefficientX0 { get; }

    /// <summary>The coefficient of x_t in the posterior mean.</summary>
    public double[] PosteriorMeanCoefficientXt { get; }
}
