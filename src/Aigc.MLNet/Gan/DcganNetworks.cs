using Aigc.Torch;
using Aigc.Torch.Nn;
using Aigc.Torch.Onnx;

namespace Aigc.MLNet.Gan;

/// <summary>
/// DCGAN generator: z (and, when conditional, a label embedding) → linear → (2c, H/4, W/4) → BN,
/// ReLU → convT(2c→c, 4, s2) → BN, ReLU → convT(c→C, 4, s2) → tanh: images in [-1, 1].
/// </summary>
internal sealed class DcganGenerator : Module
{
    private readonly Embedding? label_emb;
    private readonly Linear fc;
    private readonly BatchNorm2d bn0, bn1;
    private readonly ConvTranspose2d up1, up2;
    private readonly int _c2, _h4, _w4;

    /// <summary>Creates the network with DCGAN's initialisation.</summary>
    public DcganGenerator(int latentDim, int channels, int height, int width, int baseChannels, int? numClasses)
    {
        (LatentDim, _c2, _h4, _w4) = (latentDim, 2 * baseChannels, height / 4, width / 4);
        if (numClasses is { } n) label_emb = new Embedding(n, latentDim);
        fc = new Linear(numClasses is null ? latentDim : 2 * latentDim, _c2 * _h4 * _w4);
        bn0 = new BatchNorm2d(_c2);
        up1 = new ConvTranspose2d(_c2, baseChannels, 4, stride: 2, padding: 1);
        bn1 = new BatchNorm2d(baseChannels);
        up2 = new ConvTranspose2d(baseChannels, channels, 4, stride: 2, padding: 1);
        DcganInit.Apply(this);
    }

    /// <summary>The noise size.</summary>
    public int LatentDim { get; }

    /// <summary>(B, latent) noise and optional (B) labels → (B, C, H, W) images.</summary>
    public Tensor Forward(Tensor z, Tensor? labels)
    {
        var input = label_emb is null ? z : Tensor.Cat([z, label_emb.Forward(labels!)], 1);       // (B, latent[*2])
        var h = bn0.Forward(fc.Forward(input).View(z.Size(0), _c2, _h4, _w4)).Relu();              // (B, 2c, H/4, W/4)
        h = bn1.Forward(up1.Forward(h)).Relu();                                                    // (B, c, H/2, W/2)
        return up2.Forward(h).Tanh();                                                              // (B, C, H, W)
    }

    /// <summary>Adds <see cref="Forward"/> to an ONNX graph: latent (and label) values → image value.</summary>
    public string Export(OnnxGraph g, string z, string? labels)
    {
        var input = label_emb is null ? z : g.Op("Concat", [z, g.Embedding(labels!, label_emb, nameof(label_emb))], OnnxAttribute.Int("axis", 1));
        var h = g.Reshape(g.Linear(input, fc, nameof(fc)), 0, _c2, _h4, _w4);
        h = g.Op("Relu", [g.BatchNorm(h, bn0, nameof(bn0))]);
        h = g.Op("Relu", [g.BatchNorm(g.ConvTranspose(h, up1, nameof(up1)), bn1, nameof(bn1))]);
        return g.Op("Tanh", [g.ConvTranspose(h, up2, nameof(up2))]);
    }
}

/// <summary>
/// DCGAN discriminator: conv(C[+1]→c, 4, s2) → LeakyReLU(0.2) → conv(c→2c, 4, s2) → BN → LeakyReLU
/// → linear → one logit per image. A conditional one sees the label as an extra image channel.
/// </summary>
internal sealed class DcganDiscriminator : Module
{
    private readonly Embedding? label_emb;
    private readonly Conv2d conv1, conv2;
    private readonly BatchNorm2d bn2;
    private readonly Linear fc;
    private readonly int _h, _w;

    /// <summary>Creates the network with DCGAN's initialisation.</summary>
    public DcganDiscriminator(int channels, int height, int width, int baseChannels, int? numClasses)
    {
        (_h, _w) = (height, width);
        if (numClasses is { } n) label_emb = new Embedding(n, height * width);
        conv1 = new Conv2d(channels + (numClasses is null ? 0 : 1), baseChannels, 4, stride: 2, padding: 1);
        conv2 = new Conv2d(baseChannels, 2 * baseChannels, 4, stride: 2, padding: 1);
        bn2 = new BatchNorm2d(2 * baseChannels);
        fc = new Linear(2 * baseChannels * (height / 4) * (width / 4), 1);
        DcganInit.Apply(this);
    }

    /// <summary>(B, C, H, W) images and optional (B) labels → (B) logits (real vs generated).</summary>
    public Tensor Forward(Tensor images, Tensor? labels)
    {
        var x = label_emb is null ? images
            : Tensor.Cat([images, label_emb.Forward(labels!).View(images.Size(0), 1, _h, _w)], 1); // (B, C+1, H, W)
        var h = conv1.Forward(x).LeakyRelu(0.2);                                                   // (B, c, H/2, W/2)
        h = bn2.Forward(conv2.Forward(h)).LeakyRelu(0.2);                                          // (B, 2c, H/4, W/4)
        return fc.Forward(h.Flatten(1)).Squeeze(1);                                                // (B)
    }
}

/// <summary>DCGAN's initialisation: convolution and linear weights N(0, 0.02), batch-norm scales
/// N(1, 0.02), biases 0.</summary>
internal static class DcganInit
{
    public static void Apply(Module module)
    {
        using var noGrad = Engine.NoGrad();
        foreach (var (name, p) in module.NamedParameters())
        {
            bool norm = name.StartsWith("bn", StringComparison.Ordinal);
            if (name.EndsWith("weight", StringComparison.Ordinal) && !name.StartsWith("label_emb", StringComparison.Ordinal))
                p.Normal_(norm ? 1.0 : 0.0, 0.02);
            else if (name.EndsWith("bias", StringComparison.Ordinal))
                p.Fill_(0);
        }
    }
}
