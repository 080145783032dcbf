using Aigc.Torch;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;

namespace Aigc.MLNet.Gan;

/// <summary>Trains a DCGAN on an image column (<c>mlContext.Generative().Trainers.Gan(...)</c>); with a label
/// column, a class-conditional one. Progress reports carry d_loss, g_loss, d_real = mean D(x) and
/// d_fake = mean D(G(z)).</summary>
public sealed class GanTrainer : IEstimator<GanTransformer>
{
    private readonly GenerativeCatalog _context;
    private readonly int _seed;

    /// <summary>Creates the trainer; the options are validated now.</summary>
    public GanTrainer(GenerativeCatalog context, GanOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        _seed = options.Seed ?? context.NextSeed();
    }

    /// <summary>The options.</summary>
    public GanOptions Options { get; }

    internal static (int C, int H, int W) ImageShape(DataViewSchema schema, GanOptions options)
    {
        var col = schema.Require(options.InputColumn, ExpectedImage,
            t => Transforms.ImageShape.IsModelInput(t, divisor: 4));
        if (options.LabelColumn is { } label) schema.Require(ColumnRequirement.Label(label));
        var d = ((VectorDataViewType)col.Type).Dimensions;
        return (d[0], d[1], d[2]);
    }

    private const string ExpectedImage = "an image vector of Single in [-1, 1] or of Byte pixels, shaped (1 or 3, H, W), H and W divisible by 4";

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ColumnRequirement.Image(Options.InputColumn, ExpectedImage).Check(inputSchema);
        if (Options.LabelColumn is { } label) ColumnRequirement.Label(label).Check(inputSchema);
        return SchemaShapes.Append(inputSchema, GanTransformer.Outputs((1, 1, 1)));
    }

    /// <inheritdoc />
    public GanTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Trains, reporting progress and honouring cancellation (the same shape as every trainer's Fit).</summary>
    /// <param name="train">Training images.</param>
    /// <param name="validation">Optional held-out images: mean D(x) and D(G(z)) and the generator loss on held-out images ("d_real", "d_fake", "g_loss") at the end of each epoch.</param>
    /// <param name="progress">Receives the losses and timing.</param>
    /// <param name="cancellationToken">Stops within one step.</param>
    public GanTransformer Fit(IDataView train, IDataView? validation, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Engine.ManualSeed(unchecked((ulong)_seed));
        var shape = ImageShape(train.Schema, Options);
        if (validation is not null && ImageShape(validation.Schema, Options) != shape)
            throw new SchemaMismatchException(Options.InputColumn, $"{train.Schema[Options.InputColumn].Type} (as in the training data)", validation.Schema[Options.InputColumn].Type, validation.Schema);
        train = Transforms.ImageShape.AsSingle(train, Options.InputColumn, Transforms.PixelScale.MinusOneToOne);
        if (validation is not null) validation = Transforms.ImageShape.AsSingle(validation, Options.InputColumn, Transforms.PixelScale.MinusOneToOne);
        int? classes = Options.LabelColumn is null ? null : Options.NumClasses;
        var g = new DcganGenerator(Options.LatentDim, shape.C, shape.H, shape.W, Options.GeneratorChannels, classes);
        using var d = new DcganDiscriminator(shape.C, shape.H, shape.W, Options.DiscriminatorChannels, classes);
        try
        {
            g.To(_context.Device);
            d.To(_context.Device);
            using var task = new GanTrainingTask(g, d, Options, _context.Device, _context.IsMainProcess);
            var result = new TrainingLoop(_context, _seed).Run(task, train, validation, Options, progress, cancellationToken);
            var summary = FamilyFiles.Summary(result, _seed, train, Options.InputColumn);
            return new GanTransformer(_context, g, Options, shape, summary);
        }
        catch
        {
            g.Dispose();
            throw;
        }
    }
}
