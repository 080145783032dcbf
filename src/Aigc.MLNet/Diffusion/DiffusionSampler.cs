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
    /// <summary>A seed per row of (B, C, H, W) starting noise, from its values (FNV-1a over the float bits).</summary>
    public static int[] RowSeeds(float[] noise, int rows)
    {
        int size = noise.Length / rows;
        var seeds = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            uint h = 2166136261;
            for (int i = r * size; i < (r + 1) * size; i++)
            {
                h = (h ^ BitConverter.SingleToUInt32Bits(noise[i])) * 16777619;
            }
            seeds[r] = unchecked((int)h);
        }
        return seeds;
    }

    /// <summary>A well-mixed seed from two integers (a per-row seed and a step index).</summary>
    public static int Mix(int a, int b)
    {
        ulong z = unchecked((ulong)(uint)a << 32 | (uint)b) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return unchecked((int)(z ^ (z >> 31)));
    }

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
            Gaussian.Sample((int)size, Mix(rowSeeds[r], step)).CopyTo(values, r * size);
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
