using Aigc.Torch;
using Aigc.Torch.Nn;
using Aigc.Torch.Onnx;

namespace Aigc.MLNet.Vae;

/// <summary>Encoder q(z|x) and decoder p(x|z) of a VAE over (C, H, W) images.</summary>
internal abstract class VaeModule : Module
{
    /// <summary>Creates the shared part.</summary>
    protected VaeModule(int channels, int height, int width, int latentDim) =>
        (Channels, Height, Width, LatentDim) = (channels, height, width, latentDim);

    /// <summary>Image channels.</summary>
    public int Channels { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>Latent size.</summary>
    public int LatentDim { get; }

    /// <summary>(B, C, H, W) images → μ and log σ², each (B, latent).</summary>
    public abstract (Tensor Mu, Tensor LogVar) Encode(Tensor images);

    /// <summary>(B, latent) codes → (B, C, H, W) images in [0, 1].</summary>
    public abstract Tensor Decode(Tensor z);

    /// <summary>Adds <see cref="Encode"/> to an ONNX graph: image value → (μ, log σ²) values.</summary>
    public abstract (string Mu, string LogVar) ExportEncoder(OnnxGraph g, string images);

    /// <summary>Adds <see cref="Decode"/> to an ONNX graph: latent value → image value.</summary>
    public abstract string ExportDecoder(OnnxGraph g, string z);

    /// <summary>Encodes, draws z = μ + σ·ε (or takes z = μ when <paramref name="sample"/> is false), decodes.</summary>
    public (Tensor Reconstruction, Tensor Mu, Tensor LogVar) Forward(Tensor images, bool sample)
    {
        var (mu, logVar) = Encode(images);
        var z = sample ? mu + (logVar * 0.5).Exp() * Tensor.Randn(mu.Shape, mu.DType, mu.Device) : mu;
        return (Decode(z), mu, logVar);
    }
}

/// <summary>The PyTorch-examples VAE generalised to any image size: fc1 (pixels → hidden), fc21/fc22
/// (hidden → μ / log σ²), fc3 (latent → hidden), fc4 (hidden → pixels). Keys match the example.</summary>
internal sealed class MlpVae : VaeModule
{
    private readonly Linear fc1, fc21, fc22, fc3, fc4;

    /// <summary>Creates the model.</summary>
    public MlpVae(int channels, int height, int width, int latentDim, int hiddenDim) : base(channels, height, width, latentDim)
    {
        int pixels = channels * height * width;
        fc1 = new Linear(pixels, hiddenDim);
        fc21 = new Linear(hiddenDim, latentDim);
        fc22 = new Linear(hiddenDim, latentDim);
        fc3 = new Linear(latentDim, hiddenDim);
        fc4 = new Linear(hiddenDim, pixels);
    }

    /// <inheritdoc />
    public override (Tensor Mu, Tensor LogVar) Encode(Tensor images)
    {
        var h = fc1.Forward(images.Flatten(1)).Relu();      // (B, hidden)
        return (fc21.Forward(h), fc22.Forward(h));          // (B, latent) each
    }

    /// <inheritdoc />
    public override Tensor Decode(Tensor z) =>
        fc4.Forward(fc3.Forward(z).Relu()).Sigmoid().View(z.Size(0), Channels, Height, Width); // (B, C, H, W)

    /// <inheritdoc />
    public override (string Mu, string LogVar) ExportEncoder(OnnxGraph g, string images)
    {
        var h = g.Op("Relu", [g.Linear(g.Flatten(images), fc1, nameof(fc1))]);
        return (g.Linear(h, fc21, nameof(fc21)), g.Linear(h, fc22, nameof(fc22)));
    }

    /// <inheritdoc />
    public override string ExportDecoder(OnnxGraph g, string z)
    {
        var pixels = g.Op("Sigmoid", [g.Linear(g.Op("Relu", [g.Linear(z, fc3, nameof(fc3))]), fc4, nameof(fc4))]);
        return g.Reshape(pixels, 0, Channels, Height, Width);
    }
}

/// <summary>A convolutional VAE: conv(C→c, 4, s2) → conv(c→2c, 4, s2) → linear to μ and log σ²;
/// linear → convT(2c→c, 4, s2) → convT(c→C, 4, s2) → sigmoid. H and W must be divisible by 4.</summary>
internal sealed class ConvVae : VaeModule
{
    private readonly Conv2d enc1, enc2;
    private readonly Linear fc_mu, fc_logvar, fc_dec;
    private readonly ConvTranspose2d dec1, dec2;
    private readonly int _c2;

    /// <summary>Creates the model.</summary>
    public ConvVae(int channels, int height, int width, int latentDim, int convChannels) : base(channels, height, width, latentDim)
    {
        if (height % 4 != 0 || width % 4 != 0)
            throw new ArgumentException($"The convolutional VAE needs height and width divisible by 4, got {height}x{width}.", nameof(height));
        _c2 = 2 * convChannels;
        int flat = _c2 * (height / 4) * (width / 4);
        enc1 = new Conv2d(channels, convChannels, 4, stride: 2, padding: 1);
        enc2 = new Conv2d(convChannels, _c2, 4, stride: 2, padding: 1);
        fc_mu = new Linear(flat, latentDim);
        fc_logvar = new Linear(flat, latentDim);
        fc_dec = new Linear(latentDim, flat);
        dec1 = new ConvTranspose2d(_c2, convChannels, 4, stride: 2, padding: 1);
        dec2 = new ConvTranspose2d(convChannels, channels, 4, stride: 2, padding: 1);
    }

    /// <inheritdoc />
    public override (Tensor Mu, Tensor LogVar) Encode(Tensor images)
    {
        var h = enc2.Forward(enc1.Forward(images).Relu()).Relu().Flatten(1); // (B, 2c·H/4·W/4)
        return (fc_mu.Forward(h), fc_logvar.Forward(h));
    }

    /// <inheritdoc />
    public override Tensor Decode(Tensor z)
    {
        var h = fc_dec.Forward(z).Relu().View(z.Size(0), _c2, Height / 4, Width / 4); // (B, 2c, H/4, W/4)
        return dec2.Forward(dec1.Forward(h).Relu()).Sigmoid();                         // (B, C, H, W)
    }

    /// <inheritdoc />
    public override (string Mu, string LogVar) ExportEncoder(OnnxGraph g, string images)
    {
        var h = g.Op("Relu", [g.Conv(images, enc1, nameof(enc1))]);
        h = g.Flatten(g.Op("Relu", [g.Conv(h, enc2, nameof(enc2))]));
        return (g.Linear(h, fc_mu, nameof(fc_mu)), g.Linear(h, fc_logvar, nameof(fc_logvar)));
    }

    /// <inheritdoc />
    public override string ExportDecoder(OnnxGraph g, string z)
    {
        var h = g.Reshape(g.Op("Relu", [g.Linear(z, fc_dec, nameof(fc_dec))]), 0, _c2, Height / 4, Width / 4);
        h = g.Op("Relu", [g.ConvTranspose(h, dec1, nameof(dec1))]);
        return g.Op("Sigmoid", [g.ConvTranspose(h, dec2, nameof(dec2))]);
    }
}
