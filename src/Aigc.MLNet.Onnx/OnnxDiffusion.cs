using System.Globalization;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Imaging;
using Microsoft.ML.OnnxRuntime;
using Names = Aigc.MLNet.Onnx.OnnxContract.Names;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// A diffusion model exported by Aigc.MLNet, sampled on ONNX Runtime: the exported U-Net predicts
/// at each step, and this class runs DDPM or DDIM with the model's β_t schedule (from the file's
/// metadata), classifier-free guidance and clipping — the same loop, seeds and defaults as
/// <c>DiffusionTransformer.Generate</c>, so a seed gives the same images on both paths.
/// </summary>
public sealed class OnnxDiffusion : IDisposable
{
    /// <summary>Images per denoiser run (the libtorch transformer's batch).</summary>
    private const int BatchRows = 64;

    private readonly OnnxModelSession _denoiser;
    private readonly ImageModelShape _shape;
    private readonly NoiseSchedule _schedule;
    private readonly bool _velocity;

    private OnnxDiffusion(OnnxModelSession denoiser)
    {
        _denoiser = denoiser;
        _shape = ImageModelShape.Read(denoiser);
        int timesteps = denoiser.Int(OnnxContract.Keys.Timesteps, 100_000);
        var betas = denoiser.Text(OnnxContract.Keys.Betas).Split(',').Select(b =>
            double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && v < 1
                ? v : throw new InvalidDataException($"'{denoiser.Path}' has a β_t value '{b}' outside (0, 1).")).ToArray();
        if (betas.Length != timesteps)
            throw new InvalidDataException($"'{denoiser.Path}' declares {timesteps} steps but holds {betas.Length} β_t values.");
        _schedule = new NoiseSchedule(betas);
        _velocity = denoiser.Text(OnnxContract.Keys.Prediction) switch
        {
            OnnxContract.Epsilon => false,
            OnnxContract.Velocity => true,
            var other => throw new InvalidDataException($"'{denoiser.Path}' predicts an unknown quantity '{other}'."),
        };
        NumClasses = denoiser.Has(OnnxContract.Keys.NumClasses) ? denoiser.Int(OnnxContract.Keys.NumClasses) : null;
        DefaultSampling = new OnnxSamplingOptions
        {
            Sampler = denoiser.Text(OnnxContract.Keys.Sampler) == OnnxContract.Ddpm ? OnnxSampler.Ddpm : OnnxSampler.Ddim,
            Steps = denoiser.Int(OnnxContract.Keys.SamplingSteps, timesteps),
            Eta = Number(denoiser, OnnxContract.Keys.Eta),
            GuidanceScale = Number(denoiser, OnnxContract.Keys.GuidanceScale),
            ClipDenoised = denoiser.Text(OnnxContract.Keys.ClipDenoised) == "true",
        };
        DefaultSampling.Validate(timesteps);
    }

    private static double Number(OnnxModelSession s, string key) =>
        double.TryParse(s.Text(key), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : throw new InvalidDataException($"'{s.Path}' has {key} = '{s.Text(key)}', not a number.");

    /// <summary>Opens the exported folder's denoiser.onnx.</summary>
    /// <exception cref="FileNotFoundException">The folder has no denoiser.onnx.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid exported diffusion model.</exception>
    public static OnnxDiffusion Load(string directory, SessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return OnnxModelSession.Open(Path.Combine(directory, OnnxContract.Files.Denoiser), "diffusion", "denoiser", options, session => new OnnxDiffusion(session));
    }

    /// <summary>The number of diffusion steps T the model was trained with.</summary>
    public int Timesteps => _schedule.Timesteps;

    /// <summary>Classes of a conditional model; null when unconditional.</summary>
    public int? NumClasses { get; }

    /// <summary>The sampler settings the model was trained with (used when none are given).</summary>
    public OnnxSamplingOptions DefaultSampling { get; }

    /// <summary>(channels, height, width) of the images.</summary>
    public (int C, int H, int W) ImageShape => (_shape.Channels, _shape.Height, _shape.Width);

    /// <summary>Generates <paramref name="count"/> images in [-1, 1]; image i starts from noise seeded by
    /// (<paramref name="seed"/>, i). Conditional models need one label per image.</summary>
    public ImageBatch Generate(int count, int seed, long[]? labels = null, OnnxSamplingOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1 << 16);
        return GenerateFromNoise(DiffusionSeeds.StartingNoise(seed, count, _shape.Size), labels, options, cancellation);
    }

    /// <summary>Generates from starting noise x_T (count × C·H·W values) and, for a conditional model,
    /// one label per image.</summary>
    public ImageBatch GenerateFromNoise(float[] noise, long[]? labels = null, OnnxSamplingOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        if (noise.Length == 0 || noise.Length % _shape.Size != 0)
            throw new ArgumentException($"Noise has {_shape.Size} values per image: got {noise.Length} values, not a positive multiple.", nameof(noise));
        int count = noise.Length / _shape.Size;
        CheckLabels(labels, count);
        options ??= DefaultSampling;
        options.Validate(Timesteps);
        var seeds = DiffusionSeeds.RowSeeds(noise, count);
        var result = new float[noise.Length];
        for (int start = 0; start < count; start += BatchRows)
        {
            int rows = Math.Min(BatchRows, count - start);
            var x = Batches.Rows(noise, start, rows, _shape.Size).ToArray();
            Sample(x, rows, seeds[start..(start + rows)], labels?[start..(start + rows)], options, cancellation).CopyTo(result, (long)start * _shape.Size);
        }
        return _shape.Batch(result, count);
    }

    private void CheckLabels(long[]? labels, int count) => ClassLabels.Check(labels, count, NumClasses, "diffusion model");

    // The loop of DiffusionSampler.Sample, on arrays: ε and x₀ from the prediction, then the DDPM
    // posterior step or the DDIM step to the next (earlier) timestep.
    private float[] Sample(float[] x, int rows, int[] rowSeeds, long[]? labels, OnnxSamplingOptions o, CancellationToken cancellation)
    {
        int[] steps = o.Sampler == OnnxSampler.Ddpm
            ? Enumerable.Range(0, Timesteps).Reverse().ToArray()
            : Enumerable.Range(0, o.Steps).Select(i => (int)((long)i * Timesteps / o.Steps)).Reverse().ToArray();
        for (int k = 0; k < steps.Length; k++)
        {
            cancellation.ThrowIfCancellationRequested();
            int t = steps[k];
            var (eps, x0) = Predict(x, rows, t, labels, o);
            double c0, cx, ce, sigma;
            if (o.Sampler == OnnxSampler.Ddpm)
            {
                (c0, cx, ce) = (_schedule.PosteriorMeanCoefficientX0[t], _schedule.PosteriorMeanCoefficientXt[t], 0);
                sigma = t > 0 ? Math.Sqrt(_schedule.PosteriorVariance[t]) : 0;
            }
            else
            {
                double abar = _schedule.AlphasCumprod[t];
                double prev = k + 1 < steps.Length ? _schedule.AlphasCumprod[steps[k + 1]] : 1.0;
                sigma = o.Eta * Math.Sqrt((1 - prev) / (1 - abar)) * Math.Sqrt(1 - abar / prev);
                (c0, cx, ce) = (Math.Sqrt(prev), 0, Math.Sqrt(Math.Max(1 - prev - sigma * sigma, 0)));
            }
            var next = new float[x.Length];
            for (int i = 0; i < x.Length; i++) next[i] = (float)(x0[i] * c0 + x[i] * cx + eps[i] * ce);
            if (sigma > 0)
            {
                int size = _shape.Size;
                for (int r = 0; r < rows; r++)
                {
                    var z = Gaussian.Sample(size, DiffusionSeeds.Mix(rowSeeds[r], k));
                    for (int i = 0; i < size; i++) next[r * size + i] += (float)(z[i] * sigma);
                }
            }
            x = next;
        }
        return x;
    }

    private (float[] Eps, float[] X0) Predict(float[] x, int rows, int t, long[]? labels, OnnxSamplingOptions o)
    {
        float[] output;
        if (labels is not null && o.GuidanceScale != 1.0)
        {
            // One run over [x; x] with [labels; ∅], as the libtorch sampler does.
            var both = Run([.. x, .. x], 2 * rows, t, [.. labels, .. Enumerable.Repeat((long)NumClasses!.Value, rows)]);
            output = new float[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                float c = both[i], u = both[x.Length + i];
                output[i] = (float)(u + (c - u) * o.GuidanceScale);
            }
        }
        else output = Run(x, rows, t, labels);
        double a = _schedule.SqrtAlphasCumprod[t], s = _schedule.SqrtOneMinusAlphasCumprod[t];
        var eps = new float[x.Length];
        var x0 = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            (eps[i], x0[i]) = _velocity
                ? ((float)(x[i] * s + output[i] * a), (float)(x[i] * a - output[i] * s))
                : (output[i], (float)((x[i] - output[i] * s) * (1 / a)));
            if (o.ClipDenoised)
            {
                x0[i] = Math.Clamp(x0[i], -1f, 1f);
                eps[i] = (float)((x[i] - x0[i] * a) * (1 / s));
            }
        }
        return (eps, x0);
    }

    private float[] Run(float[] x, int rows, int t, long[]? labels)
    {
        var inputs = new List<OnnxInput>
        {
            OnnxInput.Of(Names.NoisyImage, x.AsMemory(), _shape.Dims(rows)),
            OnnxInput.Of(Names.Timestep, Enumerable.Repeat((long)t, rows).ToArray().AsMemory(), rows),
        };
        if (labels is not null) inputs.Add(OnnxInput.Of(Names.Label, labels.AsMemory(), rows));
        var prediction = new float[x.Length];
        _denoiser.Run(inputs, [new OnnxOutput(Names.Prediction, prediction, _shape.Dims(rows))]);
        return prediction;
    }

    /// <summary>Closes the ONNX Runtime session.</summary>
    public void Dispose() => _denoiser.Dispose();
}
