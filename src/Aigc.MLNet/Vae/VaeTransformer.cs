using System.Text.Json;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Onnx;
using Aigc.MLNet.Pipeline;
using Aigc.Torch.Onnx;
using Names = Aigc.MLNet.Onnx.OnnxContract.Names;
using Aigc.Torch;

namespace Aigc.MLNet.Vae;

/// <summary>
/// A trained VAE. As a transformer it adds the reconstruction of the image column plus the latent
/// mean and log-variance ("Mu", "LogVar"), computed in batches. Directly it encodes, decodes,
/// reconstructs, samples from the prior and interpolates. Saved with <c>mlContext.Model.SaveGenerative</c> as family "vae".
/// </summary>
public sealed class VaeTransformer : BatchedTransformer, IOnnxExportable, IDisposable
{
    /// <summary>The family name in model files.</summary>
    public const string FamilyName = "vae";

    private readonly GenerativeCatalog _context;
    private readonly VaeModule _model;

    internal VaeTransformer(GenerativeCatalog context, VaeModule model, VaeOptions options, (int C, int H, int W) shape, TrainingSummary training)
    {
        (_context, _model, Options, ImageShape, Training) = (context, model, options, shape, training);
        _model.Eval();
    }

    /// <summary>The options it was trained with.</summary>
    public VaeOptions Options { get; }

    /// <summary>(channels, height, width) of the images it reads and writes.</summary>
    public (int C, int H, int W) ImageShape { get; }

    /// <summary>How it was trained.</summary>
    public TrainingSummary Training { get; }

    /// <summary>The size of the latent code.</summary>
    public int LatentDim => Options.LatentDim;

    /// <inheritdoc />
    public override string Family => FamilyName;

    internal static VaeModule CreateModule(VaeOptions o, (int C, int H, int W) s) => o.Architecture == VaeArchitecture.Mlp
        ? new MlpVae(s.C, s.H, s.W, o.LatentDim, o.HiddenDim)
        : new ConvVae(s.C, s.H, s.W, o.LatentDim, o.ConvChannels);

    internal static IReadOnlyList<(string Name, DataViewType Type)> Outputs(VaeOptions o, (int C, int H, int W) s)
    {
        var latent = new VectorDataViewType(NumberDataViewType.Single, o.LatentDim);
        return [(o.ReconstructionColumn, Transforms.ImageShape.SingleType(s)), ("Mu", latent), ("LogVar", latent)];
    }

    private protected override BatchMapping CreateMapping(DataViewSchema input)
    {
        var shape = VaeTrainer.ImageShape(input, Options);
        if (shape != ImageShape)
            throw new SchemaMismatchException(Options.InputColumn, $"Vector<Single, {ImageShape.C}x{ImageShape.H}x{ImageShape.W}> (the shape this model was trained on)",
                input[Options.InputColumn].Type, input);
        return TensorMapping.Create(input, Options.InputColumn, Outputs(Options, ImageShape), _context.Device, Transforms.PixelScale.ZeroToOne, (x, _) =>
        {
            var (recon, mu, logVar) = _model.Forward(x, sample: false);
            return [recon, mu, logVar];
        });
    }

    private Tensor OnDevice(Tensor images, string name)
    {
        var s = images.Shape;
        if (s.Length != 4 || s[1] != ImageShape.C || s[2] != ImageShape.H || s[3] != ImageShape.W)
            throw new ArgumentException($"Expected images shaped (N, {ImageShape.C}, {ImageShape.H}, {ImageShape.W}), got [{string.Join(", ", s)}].", name);
        return images.To(_context.Device, ScalarType.Float32);
    }

    /// <summary>Reconstructs (N, C, H, W) images through z = μ (deterministic).</summary>
    public Tensor Reconstruct(Tensor images)
    {
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        return _model.Forward(OnDevice(images, nameof(images)), sample: false).Reconstruction.To(Device.Cpu).MoveToOuterScope();
    }

    /// <summary>The latent mean and log-variance of (N, C, H, W) images, each (N, latent).</summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor images)
    {
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        var (mu, logVar) = _model.Encode(OnDevice(images, nameof(images)));
        return (mu.To(Device.Cpu).MoveToOuterScope(), logVar.To(Device.Cpu).MoveToOuterScope());
    }

    /// <summary>Decodes (N, latent) codes to (N, C, H, W) images in [0, 1].</summary>
    public Tensor Decode(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        var s = latents.Shape;
        if (s.Length != 2 || s[1] != LatentDim)
            throw new ArgumentException($"Latent vectors must have {LatentDim} values: expected (N, {LatentDim}), got [{string.Join(", ", s)}].", nameof(latents));
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        return _model.Decode(latents.To(_context.Device, ScalarType.Float32)).To(Device.Cpu).MoveToOuterScope();
    }

    /// <summary>Draws <paramref name="count"/> images from the prior z ~ N(0, I). The same seed gives the
    /// same images, on any thread (the noise comes from a seeded generator of its own).</summary>
    public Tensor Sample(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1 << 20);
        using var scope = DisposeScope.Enter();
        return Decode(Tensor.FromArray(Gaussian.Sample(count * LatentDim, seed), count, LatentDim)).MoveToOuterScope();
    }

    /// <summary>Decodes <paramref name="steps"/> points on the line between the latent means of two
    /// (C, H, W) images, endpoints included: (steps, C, H, W).</summary>
    public Tensor Interpolate(Tensor from, Tensor to, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        using var scope = DisposeScope.Enter();
        var (mu, _) = Encode(Tensor.Stack([from, to]));
        var t = Tensor.Linspace(0, 1, steps).Unsqueeze(1);                 // (steps, 1)
        var z = mu[0].Unsqueeze(0) * (1.0 - t) + mu[1].Unsqueeze(0) * t;   // (steps, latent)
        return Decode(z).MoveToOuterScope();
    }

    /// <summary>The test negative ELBO per image on <paramref name="data"/> (reconstruction + β·KL,
    /// z sampled as the ELBO's expectation asks), with its two terms. Lower is better.</summary>
    public (double Loss, double Reconstruction, double Kl) EvaluateNegativeElbo(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        GetOutputSchema(data.Schema);
        var m = VaeTrainingTask.NegativeElbo(_model, Options, _context.Device, data, 256);
        return (m["loss"], m["reconstruction"], m["kl"]);
    }

    /// <inheritdoc />
    public override ModelContents GetContents()
    {
        var options = JsonSerializer.SerializeToNode(Options, ModelFile.Json)!.AsObject();
        FamilyFiles.WithShape(options, ImageShape);
        return new ModelContents(options, [(Options.InputColumn, Transforms.ImageShape.SingleType(ImageShape))], Outputs(Options, ImageShape), Training, _model.StateDict());
    }

    /// <summary>Rebuilds a VAE from a model file (registered with <see cref="ModelOperationsCatalogExtensions"/>).</summary>
    internal static ITransformer Load(ModelPackage package, GenerativeCatalog context)
    {
        var json = package.Manifest.Options;
        var options = json.Deserialize<VaeOptions>(ModelFile.Json) ?? throw new InvalidDataException("VAE options are missing.");
        options.Validate();
        var shape = FamilyFiles.ReadShape(json, "VAE", divisibleBy4: false);
        var model = FamilyFiles.LoadWeights(CreateModule(options, shape), package, context.Device, "VAE");
        return new VaeTransformer(context, model, options, shape, package.Manifest.Training);
    }

    IReadOnlyList<string> IOnnxExportable.ExportOnnx(string directory)
    {
        var latentDims = new OnnxDim[] { "batch", LatentDim };
        var imageDims = OnnxExport.ImageDims(ImageShape);
        var meta = (string graph) =>
        {
            var m = OnnxExport.ImageMetadata(FamilyName, graph, ImageShape, PixelRange.ZeroToOne);
            m[OnnxContract.Keys.LatentDim] = OnnxExport.Text(LatentDim);
            return m;
        };

        var decoder = new OnnxGraph("vae_decoder");
        var z = decoder.Input(Names.Latent, OnnxElementType.Float, latentDims, "Latent codes z (batch, latent_dim); standard normal draws give samples from the prior.");
        decoder.Output(_model.ExportDecoder(decoder, z), Names.Image, OnnxElementType.Float, imageDims, "Decoded images (batch, C, H, W), pixels in [0, 1].");

        var encoder = new OnnxGraph("vae_encoder");
        var x = encoder.Input(Names.Image, OnnxElementType.Float, imageDims, "Images (batch, C, H, W), pixels in [0, 1].");
        var (mu, logVar) = _model.ExportEncoder(encoder, x);
        encoder.Output(mu, Names.Mu, OnnxElementType.Float, latentDims, "Mean of q(z|x), (batch, latent_dim).");
        encoder.Output(logVar, Names.LogVar, OnnxElementType.Float, latentDims, "Log-variance of q(z|x), (batch, latent_dim).");

        return
        [
            OnnxExport.Save(decoder, directory, OnnxContract.Files.VaeDecoder, "VAE decoder p(x|z): latent → image.", meta("decoder")),
            OnnxExport.Save(encoder, directory, OnnxContract.Files.VaeEncoder, "VAE encoder q(z|x): image → (mu, logvar).", meta("encoder")),
        ];
    }

    /// <summary>Frees the model's tensors.</summary>
    public void Dispose() => _model.Dispose();
}
