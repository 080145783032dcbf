using Aigc.MLNet.Imaging;
using Aigc.Torch;

namespace Aigc.MLNet.Diffusion;

/// <summary>
/// The reverse process: ancestral DDPM through every step, or DDIM over an evenly spaced subset,
/// with classifier-free guidance and clipping of the predicted clean image. Fresh noise at each step
/// comes from a per-row seed (derived from the row's starting noise), so an image does not depend on
/// the batch it is generated in.
/// </summary>
internal static class DiffusionSampler
{
    /// <summary>Runs the sampler from x_T (B, C, H, W) on the model's device; returns x₀ in [-1, 1] (when clipping).</summary>
    public static Tensor Sample(UNet net, NoiseSchedule schedule, PredictionKind prediction, Tensor xT, int[] rowSeeds, Tensor? labels,
        SamplingOptions options, CancellationToken cancellationToken)
    {
        using var noGrad = Engine.NoGrad();
        int[] steps = options.Sampler == SamplerKind.Ddpm
            ? Enumerable.Range(0, schedule.Timesteps).Reverse().ToArray()
            : Enumerable.Range(0, options.Steps).Select(i => (int)((long)i * schedule.Timesteps / options.Steps)).Reverse().ToArray();
        var x = xT.Alias().DetachFromDisposeScope();
        try
        {
            for (int k = 0; k < steps.Length; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int t = steps[k];
                using var scope = DisposeScope.Enter();
                var (eps, x0) = Predict(net, schedule, prediction, x, t, labels, options);
                Tensor next;
                if (options.Sampler == SamplerKind.Ddpm)
                {
                    next = x0 * schedule.PosteriorMeanCoefficientX0[t] + x * schedule.PosteriorMeanCoefficientXt[t];
                    if (t > 0) next = next + StepNoise(x, rowSeeds, k) * Math.Sqrt(schedule.PosteriorVariance[t]);
                }
                else
                {
                    double abar = schedule.AlphasCumprod[t];
                    double prev = k + 1 < steps.Length ? schedule.AlphasCumprod[steps[k + 1]] : 1.0;
                    double sigma = options.Eta * Math.Sqrt((1 - prev) / (1 - abar)) * Math.Sqrt(1 - abar / prev);
                    next = x0 * Math.Sqrt(prev) + eps * Math.Sqrt(Math.Max(1 - prev - sigma * sigma, 0));
                    if (sigma > 0) next = next + StepNoise(x, rowSeeds, k) * sigma;
                }
                x.Dispose();
                x = next.DetachFromDisposeScope();
            }
            return x;
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }

    private static Tensor StepNoise(Tensor like, int[] rowSeeds, int step)
    {
        long size = like.NumberOfElements / rowSeeds.Length;
        var values = new float[like.NumberOfElements];
        for (int r = 0; r < rowSeeds.Length; r++)
            Gaussian.Sample((int)size, DiffusionSeeds.Mix(rowSeeds[r], step)).CopyTo(values, r * size);
        return Tensor.FromArray(values, like.Shape).To(like.Device);
    }

    /// <summary>ε and the clean-image estimate x₀ at step t, with guidance and clipping applied.</summary>
    private static (Tensor Eps, Tensor X0) Predict(UNet net, NoiseSchedule schedule, PredictionKind prediction, Tensor x, int t,
        Tensor? labels, SamplingOptions options)
    {
        long b = x.Size(0);
        var steps = Tensor.Full([b], t, ScalarType.Int64, x.Device);
        Tensor output;
        if (labels is not null && options.GuidanceScale != 1.0)
        {
            var unconditional = Tensor.Full([b], net.NumClasses!.Value, ScalarType.Int64, x.Device);
            var both = net.Forward(Tensor.Cat([x, x], 0), Tensor.Cat([steps, steps], 0), Tensor.Cat([labels, unconditional], 0));
            var (c, u) = (both.Narrow(0, 0, b), both.Narrow(0, b, b));
            output = u + (c - u) * options.GuidanceScale;
        }
        else output = net.Forward(x, steps, labels);
        double a = schedule.SqrtAlphasCumprod[t], s = schedule.SqrtOneMinusAlphasCumprod[t];
        var (eps, x0) = prediction == PredictionKind.Epsilon
            ? (output, (x - output * s) * (1 / a))
            : (x * s + output * a, x * a - output * s);
        if (options.ClipDenoised)
        {
            x0 = x0.Clamp(-1, 1);
            eps = (x - x0 * a) * (1 / s);
        }
        return (eps, x0);
    }
}
