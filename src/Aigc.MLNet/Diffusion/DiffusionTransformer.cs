using System.Globalization;
using System.Text.Json;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;
using Aigc.MLNet.Onnx;
using Aigc.MLNet.Pipeline;
using Aigc.Torch.Onnx;
using Names = Aigc.MLNet.Onnx.OnnxContract.Names;
using Aigc.Torch;

namespace Aigc.MLNet.Diffusion;

/// <summary>
/// A trained diffusion model (its moving-average weights). As a transformer it reads a "Seed"
/// (Int64) or "Noise" (Single vector C×H×W) column — plus the label column of a conditional model —
/// and adds "GeneratedImage" (values in [-1, 1]), in batches. Directly it generates from seeds,
/// labels or noise with DDPM or DDIM (<see cref="SamplingOptions"/>). Saved as family "diffusion".
/// </summary>
public sealed class DiffusionTransformer : BatchedTransformer, IOnnxExportable, IDisposable
{
    /// <summary>The family name in model files.</summary>
    public const string FamilyName = "diffusion";

    /// <summary>The output column.</summary>
    public const string OutputColumn = "GeneratedImage";

    private const string NoiseColumn = "Noise";
    private readonly GenerativeCatalog _context;
    private readonly UNet _net;
    private readonly NoiseSchedule _schedule;

    internal DiffusionTransformer(GenerativeCatalog context, UNet net, DiffusionOptions options, (int C, int H, int W) shape, TrainingSummary training)
    {
        (_context, _net, Options, ImageShape, Training) = (context, net, options, shape, training);
        _schedule = NoiseSchedule.For(options);
        _net.Eval();
    }

    /// <summary>The options it was trained with (and its default sampler settings).</summary>
    public DiffusionOptions Options { get; }

    /// <summary>(channels, height, width) of generated images.</summary>
    public (int C, int H, int W) ImageShape { get; }

    /// <summary>How it was trained.</summary>
    public TrainingSummary Training { get; }

    /// <summary>The denoising network (tests compare its exported graph with it).</summary>
    internal UNet Network => _net;

    /// <summary>The noise schedule.</summary>
    internal NoiseSchedule Schedule => _schedule;

    /// <summary>True for a class-conditional model.</summary>
    public bool IsConditional => Options.LabelColumn is not null;

    /// <inheritdoc />
    public override string Family => FamilyName;

    internal static IReadOnlyList<(string Name, DataViewType Type)> Outputs((int C, int H, int W) s) => [(OutputColumn, Transforms.ImageShape.SingleType(s))];

    /// <summary>Input: a "Noise" column (Single vectors of C·H·W starting noise) or else a "Seed" column
    /// (an integer per row: the noise is that seed's Gaussian noise), plus the label column of a
    /// conditional model. Rows are sampled in batches of 64 with <see cref="DiffusionOptions.Sampling"/>.</summary>
    private protected override BatchMapping CreateMapping(DataViewSchema input)
    {
        var noise = new SeededNoise(input, NoiseColumn, ImageShape.C * ImageShape.H * ImageShape.W, Options.LabelColumn);
        return new BatchMapping(input, noise.Sources, Outputs(ImageShape), batchSize: 64, batch =>
        {
            using var noGrad = Engine.NoGrad();
            using var scope = DisposeScope.Enter();
            var x = noise.Noise(batch, _context.Device).View(-1, ImageShape.C, ImageShape.H, ImageShape.W);
            return [RowBatch.VectorRows(Run(x, noise.Labels(batch, _context.Device), Options.Sampling, default))];
        });
    }

    private Tensor Run(Tensor noise, Tensor? labels, SamplingOptions options, CancellationToken cancellationToken)
    {
        if (IsConditional && labels is null) throw new ArgumentException("This diffusion model is class-conditional: give one label per image.", nameof(labels));
        if (!IsConditional && labels is not null) throw new ArgumentException("This diffusion model is not conditional: it takes no labels.", nameof(labels));
        if (labels is not null) Labels.Check(labels, Options.LabelColumn!, Options.NumClasses);
        var seeds = DiffusionSeeds.RowSeeds(noise.To(Device.Cpu, ScalarType.Float32).ToArray<float>(), (int)noise.Size(0));
        return DiffusionSampler.Sample(_net, _schedule, Options.Prediction, noise, seeds, labels, options, cancellationToken);
    }

    /// <summary>Generates images from starting noise (N, C, H, W) and, for a conditional model, (N) Int64
    /// labels: (N, C, H, W) in [-1, 1]. With DDIM and η = 0 the result depends on the noise alone.</summary>
    public Tensor GenerateFromNoise(Tensor noise, Tensor? labels = null, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        var s = noise.Shape;
        if (s.Length != 4 || s[1] != ImageShape.C || s[2] != ImageShape.H || s[3] != ImageShape.W)
            throw new ArgumentException($"Expected noise shaped (N, {ImageShape.C}, {ImageShape.H}, {ImageShape.W}), got [{string.Join(", ", s)}].", nameof(noise));
        if (labels is not null && (labels.Dim != 1 || labels.Size(0) != s[0]))
            throw new ArgumentException($"Expected {s[0]} labels, one per image, got shape [{string.Join(", ", labels.Shape)}].", nameof(labels));
        options ??= Options.Sampling;
        options.Validate(Options.Timesteps);
        using var scope = DisposeScope.Enter();
        var x = Run(noise.To(_context.Device, ScalarType.Float32), labels?.To(_context.Device, ScalarType.Int64), options, cancellationToken);
        using (x) return x.To(Device.Cpu).MoveToOuterScope();
    }

    /// <summary>Generates <paramref name="count"/> images; image i starts from noise seeded by
    /// (<paramref name="seed"/>, i), so the same seed gives the same images on any thread and in any
    /// batch size. Conditional models need one label per image.</summary>
    public Tensor Generate(int count, int seed, long[]? labels = null, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= Options.Sampling;
        options.Validate(Options.Timesteps);
        if (labels is not null && labels.Length != count) throw new ArgumentException($"Expected {count} labels, got {labels.Length}.", nameof(labels));
        var x = Generate(_net, _schedule, Options, ImageShape, count, seed, labels, options, _context.Device, cancellationToken);
        using (x) return x.To(Device.Cpu).DetachFromDisposeScope();
    }

    /// <summary>Shared by the transformer and the training task's sample grids; the caller owns the result.</summary>
    internal static Tensor Generate(UNet net, NoiseSchedule schedule, DiffusionOptions o, (int C, int H, int W) shape, int count, int seed,
        long[]? labels, SamplingOptions options, Device device, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1 << 16);
        using var scope = DisposeScope.Enter();
        int per = shape.C * shape.H * shape.W;
        var values = DiffusionSeeds.StartingNoise(seed, count, per);
        var noise = Tensor.FromArray(values, count, shape.C, shape.H, shape.W).To(device);
        var l = labels is null ? null : Tensor.FromArray(labels).To(device);
        if (l is not null) Labels.Check(l, o.LabelColumn ?? "labels", o.NumClasses);
        return DiffusionSampler.Sample(net, schedule, o.Prediction, noise, DiffusionSeeds.RowSeeds(values, count), l, options, cancellationToken);
    }

    /// <inheritdoc />
    public override ModelContents GetContents()
    {
        var options = JsonSerializer.SerializeToNode(Options, ModelFile.Json)!.AsObject();
        FamilyFiles.WithShape(options, ImageShape);
        var cols = new List<(string, DataViewType)> { ("Seed", NumberDataViewType.Int64) };
        if (Options.LabelColumn is { } label) cols.Add((label, NumberDataViewType.Int64));
        return new ModelContents(options, cols, Outputs(ImageShape), Training, _net.StateDict());
    }

    /// <summary>Rebuilds a diffusion model from a model file.</summary>
    internal static ITransformer Load(ModelPackage package, GenerativeCatalog context)
    {
        var json = package.Manifest.Options;
        var options = json.Deserialize<DiffusionOptions>(ModelFile.Json) ?? throw new InvalidDataException("Diffusion options are missing.");
        options.Validate();
        var shape = FamilyFiles.ReadShape(json, "Diffusion", divisibleBy4: false);
        int? classes = options.LabelColumn is null ? null : options.NumClasses;
        FamilyFiles.CheckSize(package, UNet.CountParameters(options.UNet, shape.C, classes), "Diffusion");
        var net = FamilyFiles.LoadWeights(new UNet(options.UNet, shape.C, shape.H, shape.W, options.LabelColumn is null ? null : options.NumClasses),
            package, context.Device, "Diffusion");
        return new DiffusionTransformer(context, net, options, shape, package.Manifest.Training);
    }

    IReadOnlyList<string> IOnnxExportable.ExportOnnx(string directory)
    {
        var g = new OnnxGraph("diffusion_denoiser");
        var imageDims = OnnxExport.ImageDims(ImageShape);
        var x = g.Input(Names.NoisyImage, OnnxElementType.Float, imageDims, "Noisy images x_t (batch, C, H, W).");
        var t = g.Input(Names.Timestep, OnnxElementType.Int64, ["batch"], $"The diffusion step of each image (batch), in [0, {Options.Timesteps}).");
        var labels = IsConditional
            ? g.Input(Names.Label, OnnxElementType.Int64, ["batch"], $"Class of each image (batch), in [0, {Options.NumClasses}]; {Options.NumClasses} asks for the unconditional prediction (classifier-free guidance).")
            : null;
        var what = Options.Prediction == PredictionKind.Epsilon ? "the noise ε" : "the velocity v = √ᾱ·ε − √(1 − ᾱ)·x₀";
        g.Output(_net.Export(g, x, t, labels), Names.Prediction, OnnxElementType.Float, imageDims, $"The network's prediction of {what}, (batch, C, H, W).");

        var meta = OnnxExport.ImageMetadata(FamilyName, "denoiser", ImageShape, PixelRange.MinusOneToOne);
        var s = Options.Sampling;
        meta[OnnxContract.Keys.Timesteps] = OnnxExport.Text(Options.Timesteps);
        meta[OnnxContract.Keys.Betas] = string.Join(",", _schedule.Betas.Select(b => b.ToString("R", CultureInfo.InvariantCulture)));
        meta[OnnxContract.Keys.Prediction] = Options.Prediction == PredictionKind.Epsilon ? OnnxContract.Epsilon : OnnxContract.Velocity;
        meta[OnnxContract.Keys.Sampler] = s.Sampler == SamplerKind.Ddim ? OnnxContract.Ddim : OnnxContract.Ddpm;
        meta[OnnxContract.Keys.SamplingSteps] = OnnxExport.Text(s.Steps);
        meta[OnnxContract.Keys.Eta] = s.Eta.ToString("R", CultureInfo.InvariantCulture);
        meta[OnnxContract.Keys.GuidanceScale] = s.GuidanceScale.ToString("R", CultureInfo.InvariantCulture);
        meta[OnnxContract.Keys.ClipDenoised] = s.ClipDenoised ? "true" : "false";
        if (IsConditional) meta[OnnxContract.Keys.NumClasses] = OnnxExport.Text(Options.NumClasses);
        return [OnnxExport.Save(g, directory, OnnxContract.Files.Denoiser,
            "Diffusion denoiser: (x_t, t[, label]) → prediction. Sample with the β_t schedule in the metadata (DDPM or DDIM).", meta)];
    }

    /// <summary>Frees the network.</summary>
    public void Dispose() => _net.Dispose();
}
