using Aigc.MLNet.Imaging;
using Microsoft.ML.OnnxRuntime;
using Names = Aigc.MLNet.Onnx.OnnxContract.Names;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// A VAE exported by Aigc.MLNet (<c>mlContext.Model.ExportToOnnx</c>), run on ONNX Runtime:
/// decode latent codes, sample the prior, encode and reconstruct images. A seed draws the same
/// noise as <c>VaeTransformer.Sample</c>, so both give the same images.
/// </summary>
public sealed class OnnxVae : IDisposable
{
    private readonly OnnxModelSession _decoder;
    private readonly OnnxModelSession? _encoder;
    private readonly ImageModelShape _shape;

    private OnnxVae(OnnxModelSession decoder, OnnxModelSession? encoder)
    {
        (_decoder, _encoder) = (decoder, encoder);
        _shape = ImageModelShape.Read(decoder);
        LatentDim = decoder.Int(OnnxContract.Keys.LatentDim, 65536);
    }

    /// <summary>Opens the exported folder (decoder.onnx, and encoder.onnx when present).</summary>
    /// <exception cref="FileNotFoundException">The folder has no decoder.onnx.</exception>
    /// <exception cref="InvalidDataException">A file is not a valid exported VAE graph.</exception>
    public static OnnxVae Load(string directory, SessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var encoderPath = Path.Combine(directory, OnnxContract.Files.VaeEncoder);
        return OnnxModelSession.Open(Path.Combine(directory, OnnxContract.Files.VaeDecoder), "vae", "decoder", options, decoder =>
            File.Exists(encoderPath)
                ? OnnxModelSession.Open(encoderPath, "vae", "encoder", options, encoder => new OnnxVae(decoder, encoder))
                : new OnnxVae(decoder, null));
    }

    /// <summary>The size of a latent code.</summary>
    public int LatentDim { get; }

    /// <summary>(channels, height, width) of the images.</summary>
    public (int C, int H, int W) ImageShape => (_shape.Channels, _shape.Height, _shape.Width);

    /// <summary>True when the folder held the encoder too.</summary>
    public bool CanEncode => _encoder is not null;

    /// <summary>Decodes <paramref name="latents"/> (count × latent values, row after row) to images in [0, 1].</summary>
    public ImageBatch Decode(float[] latents, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.Length == 0 || latents.Length % LatentDim != 0)
            throw new ArgumentException($"Latent codes have {LatentDim} values each: got {latents.Length} values, not a positive multiple.", nameof(latents));
        int count = latents.Length / LatentDim;
        var pixels = new float[(long)count * _shape.Size];
        Batches.ForEach(count, cancellation, (start, rows) => _decoder.Run(
            [OnnxInput.Of(Names.Latent, Batches.Rows(latents, start, rows, LatentDim), rows, LatentDim)],
            [new OnnxOutput(Names.Image, Batches.Rows(pixels, start, rows, _shape.Size), _shape.Dims(rows))]));
        return _shape.Batch(pixels, count);
    }

    /// <summary>Draws <paramref name="count"/> images from the prior z ~ N(0, I); the same seed gives
    /// the same images here and from the libtorch model.</summary>
    public ImageBatch Sample(int count, int seed, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1 << 20);
        return Decode(Gaussian.Sample(count * LatentDim, seed), cancellation);
    }

    /// <summary>The latent mean and log-variance of <paramref name="images"/> (pixels in [0, 1]),
    /// each count × latent values.</summary>
    /// <exception cref="InvalidOperationException">The folder has no encoder.onnx.</exception>
    public (float[] Mu, float[] LogVar) Encode(ImageBatch images, CancellationToken cancellation = default)
    {
        var encoder = _encoder ?? throw new InvalidOperationException($"This VAE was opened without {OnnxContract.Files.VaeEncoder}: it can decode and sample only.");
        _shape.Check(images, nameof(images));
        var (mu, logVar) = (new float[(long)images.Count * LatentDim], new float[(long)images.Count * LatentDim]);
        Batches.ForEach(images.Count, cancellation, (start, rows) => encoder.Run(
            [OnnxInput.Of(Names.Image, Batches.Rows(images.Pixels, start, rows, _shape.Size), _shape.Dims(rows))],
            [new OnnxOutput(Names.Mu, Batches.Rows(mu, start, rows, LatentDim), [rows, LatentDim]),
             new OnnxOutput(Names.LogVar, Batches.Rows(logVar, start, rows, LatentDim), [rows, LatentDim])]));
        return (mu, logVar);
    }

    /// <summary>Decodes the latent means of <paramref name="images"/> (deterministic reconstructions).</summary>
    public ImageBatch Reconstruct(ImageBatch images, CancellationToken cancellation = default) =>
        Decode(Encode(images, cancellation).Mu, cancellation);

    /// <summary>Closes the ONNX Runtime sessions.</summary>
    public void Dispose()
    {
        _decoder.Dispose();
        _encoder?.Dispose();
    }
}
