using Aigc.MLNet.Imaging;
using Microsoft.ML.OnnxRuntime;
using Names = Aigc.MLNet.Onnx.OnnxContract.Names;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// A GAN generator exported by Aigc.MLNet, run on ONNX Runtime. A seed (and truncation) draws the
/// same noise as <c>GanTransformer.Generate</c>, so both give the same images, in [-1, 1].
/// </summary>
public sealed class OnnxGan : IDisposable
{
    private readonly OnnxModelSession _generator;
    private readonly ImageModelShape _shape;

    private OnnxGan(OnnxModelSession generator)
    {
        _generator = generator;
        _shape = ImageModelShape.Read(generator);
        LatentDim = generator.Int(OnnxContract.Keys.LatentDim, 65536);
        NumClasses = generator.Has(OnnxContract.Keys.NumClasses) ? generator.Int(OnnxContract.Keys.NumClasses, 1 << 20) : null;
    }

    /// <summary>Opens the exported folder's generator.onnx.</summary>
    /// <exception cref="FileNotFoundException">The folder has no generator.onnx.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid exported GAN generator.</exception>
    public static OnnxGan Load(string directory, SessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return OnnxModelSession.Open(Path.Combine(directory, OnnxContract.Files.GanGenerator), "gan", "generator", options, session => new OnnxGan(session));
    }

    /// <summary>The noise size.</summary>
    public int LatentDim { get; }

    /// <summary>The number of classes of a class-conditional generator; null otherwise.</summary>
    public int? NumClasses { get; }

    /// <summary>(channels, height, width) of the images.</summary>
    public (int C, int H, int W) ImageShape => (_shape.Channels, _shape.Height, _shape.Width);

    /// <summary>Generates from <paramref name="latents"/> (count × latent values) and, for a
    /// conditional generator, one label per image.</summary>
    public ImageBatch GenerateFromLatents(float[] latents, long[]? labels = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.Length == 0 || latents.Length % LatentDim != 0)
            throw new ArgumentException($"Latent vectors have {LatentDim} values each: got {latents.Length} values, not a positive multiple.", nameof(latents));
        int count = latents.Length / LatentDim;
        CheckLabels(labels, count);
        var pixels = new float[(long)count * _shape.Size];
        Batches.ForEach(count, cancellation, (start, rows) =>
        {
            var inputs = new List<OnnxInput> { OnnxInput.Of(Names.Latent, Batches.Rows(latents, start, rows, LatentDim), rows, LatentDim) };
            if (labels is not null) inputs.Add(OnnxInput.Of(Names.Label, Batches.Rows(labels, start, rows, 1), rows));
            _generator.Run(inputs, [new OnnxOutput(Names.Image, Batches.Rows(pixels, start, rows, _shape.Size), _shape.Dims(rows))]);
        });
        return _shape.Batch(pixels, count);
    }

    /// <summary>Generates <paramref name="count"/> images from seeded noise; <paramref name="truncation"/>
    /// redraws noise values beyond ±t (less variety, higher fidelity).</summary>
    public ImageBatch Generate(int count, int seed, long[]? labels = null, double? truncation = null, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1 << 20);
        if (truncation is { } t && !(t > 0)) throw new ArgumentOutOfRangeException(nameof(truncation), t, "must be > 0");
        CheckLabels(labels, count);
        return GenerateFromLatents(Gaussian.Truncated(count * LatentDim, seed, truncation), labels, cancellation);
    }

    private void CheckLabels(long[]? labels, int count) => ClassLabels.Check(labels, count, NumClasses, "GAN");

    /// <summary>Closes the ONNX Runtime session.</summary>
    public void Dispose() => _generator.Dispose();
}
