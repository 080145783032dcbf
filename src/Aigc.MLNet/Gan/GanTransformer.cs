using System.Text.Json;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Onnx;
using Aigc.MLNet.Pipeline;
using Aigc.Torch.Onnx;
using Names = Aigc.MLNet.Onnx.OnnxContract.Names;
using Aigc.Torch;

namespace Aigc.MLNet.Gan;

/// <summary>
/// A trained DCGAN generator. As a transformer it reads a "Seed" (Int64) or "Latent" (Single vector)
/// column — plus the label column of a conditional GAN — and adds "GeneratedImage" (values in
/// [-1, 1]), in batches. Directly it generates from seeds, latents or labels, with optional
/// truncation. Saved as family "gan" (the generator only).
/// </summary>
public sealed class GanTransformer : BatchedTransformer, IOnnxExportable, IDisposable
{
    /// <summary>The family name in model files.</summary>
    public const string FamilyName = "gan";

    /// <summary>The output column.</summary>
    public const string OutputColumn = "GeneratedImage";

    private readonly GenerativeCatalog _context;
    private readonly DcganGenerator _g;

    internal GanTransformer(GenerativeCatalog context, DcganGenerator g, GanOptions options, (int C, int H, int W) shape, TrainingSummary training)
    {
        (_context, _g, Options, ImageShape, Training) = (context, g, options, shape, training);
        _g.Eval();
    }

    /// <summary>The options it was trained with.</summary>
    public GanOptions Options { get; }

    /// <summary>(channels, height, width) of generated images.</summary>
    public (int C, int H, int W) ImageShape { get; }

    /// <summary>How it was trained.</summary>
    public TrainingSummary Training { get; }

    /// <summary>True for a class-conditional generator.</summary>
    public bool IsConditional => Options.LabelColumn is not null;

    /// <inheritdoc />
    public override string Family => FamilyName;

    internal static IReadOnlyList<(string Name, DataViewType Type)> Outputs((int C, int H, int W) s) => [(OutputColumn, Transforms.ImageShape.SingleType(s))];

    /// <summary>Input: a "Latent" column (Single vectors of the latent size) or else a "Seed" column
    /// (an integer per row: the latent is that seed's Gaussian noise), plus the label column of a
    /// conditional GAN.</summary>
    private protected override BatchMapping CreateMapping(DataViewSchema input)
    {
        var latents = new SeededNoise(input, "Latent", Options.LatentDim, Options.LabelColumn);
        return new BatchMapping(input, latents.Sources, Outputs(ImageShape), batchSize: 256, batch =>
        {
            using var noGrad = Engine.NoGrad();
            using var scope = DisposeScope.Enter();
            return [RowBatch.VectorRows(Run(latents.Noise(batch, _context.Device), latents.Labels(batch, _context.Device)))];
        });
    }

    private Tensor Run(Tensor z, Tensor? labels)
    {
        if (IsConditional && labels is null) throw new ArgumentException("This GAN is class-conditional: give one label per image.", nameof(labels));
        if (!IsConditional && labels is not null) throw new ArgumentException("This GAN is not conditional: it takes no labels.", nameof(labels));
        if (labels is not null)
        {
            if (labels.Dim != 1 || labels.Size(0) != z.Size(0))
                throw new ArgumentException($"Expected {z.Size(0)} labels, one per latent, got shape [{string.Join(", ", labels.Shape)}].", nameof(labels));
            Labels.Check(labels, Options.LabelColumn!, Options.NumClasses);
        }
        return _g.Forward(z, labels);
    }

    /// <summary>Generates from (N, latent) noise and, for a conditional GAN, (N) Int64 labels:
    /// (N, C, H, W) images in [-1, 1].</summary>
    public Tensor GenerateFromLatents(Tensor latents, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(latents);
        var s = latents.Shape;
        if (s.Length != 2 || s[1] != Options.LatentDim)
            throw new ArgumentException($"Latent vectors must have {Options.LatentDim} values: expected (N, {Options.LatentDim}), got [{string.Join(", ", s)}].", nameof(latents));
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        var l = labels?.To(_context.Device, ScalarType.Int64);
        return Run(latents.To(_context.Device, ScalarType.Float32), l).To(Device.Cpu).MoveToOuterScope();
    }

    /// <summary>Generates <paramref name="count"/> images from seeded noise (the same seed gives the
    /// same images on any thread). <paramref name="truncation"/> redraws noise values beyond ±t
    /// (the truncation trick: less variety, higher fidelity).</summary>
    public Tensor Generate(int count, int seed, long[]? labels = null, double? truncation = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1 << 20);
        if (truncation is { } t && !(t > 0)) throw new ArgumentOutOfRangeException(nameof(truncation), t, "must be > 0");
        if (labels is not null && labels.Length != count)
            throw new ArgumentException($"Expected {count} labels, got {labels.Length}.", nameof(labels));
        using var scope = DisposeScope.Enter();
        var z = Tensor.FromArray(Gaussian.Truncated(count * Options.LatentDim, seed, truncation), count, Options.LatentDim);
        return GenerateFromLatents(z, labels is null ? null : Tensor.FromArray(labels)).MoveToOuterScope();
    }

    /// <inheritdoc />
    public override ModelContents GetContents()
    {
        var options = JsonSerializer.SerializeToNode(Options, ModelFile.Json)!.AsObject();
        FamilyFiles.WithShape(options, ImageShape);
        var cols = new List<(string, DataViewType)> { ("Seed", NumberDataViewType.Int64) };
        if (Options.LabelColumn is { } label) cols.Add((label, NumberDataViewType.Int64));
        return new ModelContents(options, cols, Outputs(ImageShape), Training, _g.StateDict());
    }

    /// <summary>Rebuilds a generator from a model file.</summary>
    internal static ITransformer Load(ModelPackage package, GenerativeCatalog context)
    {
        var json = package.Manifest.Options;
        var options = json.Deserialize<GanOptions>(ModelFile.Json) ?? throw new InvalidDataException("GAN options are missing.");
        options.Validate();
        var shape = FamilyFiles.ReadShape(json, "GAN", divisibleBy4: true);
        var g = FamilyFiles.LoadWeights(new DcganGenerator(options.LatentDim, shape.C, shape.H, shape.W, options.GeneratorChannels, options.LabelColumn is null ? null : options.NumClasses), package, context.Device, "GAN");
        return new GanTransformer(context, g, options, shape, package.Manifest.Training);
    }

    IReadOnlyList<string> IOnnxExportable.ExportOnnx(string directory)
    {
        var g = new OnnxGraph("gan_generator");
        var z = g.Input(Names.Latent, OnnxElementType.Float, ["batch", Options.LatentDim], "Noise (batch, latent_dim), standard normal.");
        var labels = IsConditional
            ? g.Input(Names.Label, OnnxElementType.Int64, ["batch"], $"Class of each image (batch), in [0, {Options.NumClasses}).")
            : null;
        g.Output(_g.Export(g, z, labels), Names.Image, OnnxElementType.Float, OnnxExport.ImageDims(ImageShape), "Generated images (batch, C, H, W), pixels in [-1, 1].");
        var meta = OnnxExport.ImageMetadata(FamilyName, "generator", ImageShape, PixelRange.MinusOneToOne);
        meta[OnnxContract.Keys.LatentDim] = OnnxExport.Text(Options.LatentDim);
        if (IsConditional) meta[OnnxContract.Keys.NumClasses] = OnnxExport.Text(Options.NumClasses);
        return [OnnxExport.Save(g, directory, OnnxContract.Files.GanGenerator, "DCGAN generator: noise (and label) → image.", meta)];
    }

    /// <summary>Frees the generator.</summary>
    public void Dispose() => _g.Dispose();
}
