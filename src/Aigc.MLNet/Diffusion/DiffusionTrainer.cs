using Aigc.Torch;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;

namespace Aigc.MLNet.Diffusion;

/// <summary>Trains a denoising diffusion model on an image column
/// (<c>mlContext.Generative().Trainers.Diffusion(...)</c>); with a label column, a class-conditional one that
/// supports classifier-free guidance. Progress reports carry "loss" (the denoising MSE).</summary>
public sealed class DiffusionTrainer : IEstimator<DiffusionTransformer>
{
    private readonly GenerativeCatalog _context;
    private readonly int _seed;

    /// <summary>Creates the trainer; the options are validated now.</summary>
    public DiffusionTrainer(GenerativeCatalog context, DiffusionOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        _seed = options.Seed ?? context.NextSeed();
    }

    /// <summary>The options.</summary>
    public DiffusionOptions Options { get; }

    internal static (int C, int H, int W) ImageShape(DataViewSchema schema, DiffusionOptions options)
    {
        int factor = 1 << (options.UNet.ChannelMultipliers.Count - 1);
        var col = schema.Require(options.InputColumn, ExpectedImage(options),
            t => Transforms.ImageShape.IsModelInput(t, factor));
        if (options.LabelColumn is { } label) schema.Require(ColumnRequirement.Label(label));
        var d = ((VectorDataViewType)col.Type).Dimensions;
        return (d[0], d[1], d[2]);
    }

    private static string ExpectedImage(DiffusionOptions options) =>
        $"an image vector of Single in [-1, 1] or of Byte pixels, shaped (1 or 3, H, W), H and W divisible by {1 << (options.UNet.ChannelMultipliers.Count - 1)}";

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ColumnRequirement.Image(Options.InputColumn, ExpectedImage(Options)).Check(inputSchema);
        if (Options.LabelColumn is { } label) ColumnRequirement.Label(label).Check(inputSchema);
        return SchemaShapes.Append(inputSchema, DiffusionTransformer.Outputs((1, 1, 1)));
    }

    /// <inheritdoc />
    public DiffusionTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Trains, reporting progress and honouring cancellation (the same shape as every trainer's Fit).</summary>
    /// <param name="train">Training images.</param>
    /// <param name="validation">Optional held-out images: the denoising loss on held-out images ("loss") at the end of each epoch.</param>
    /// <param name="progress">Receives the losses and timing.</param>
    /// <param name="cancellationToken">Stops within one step.</param>
    public DiffusionTransformer Fit(IDataView train, IDataView? validation, IProgress<TrainingProgress>? progress = null,
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
        var schedule = NoiseSchedule.For(Options);
        using var net = new UNet(Options.UNet, shape.C, shape.H, shape.W, classes);
        var sampler = new UNet(Options.UNet, shape.C, shape.H, shape.W, classes);
        try
        {
            net.To(_context.Device);
            sampler.To(_context.Device);
            using var task = new DiffusionTrainingTask(net, sampler, Options, schedule, shape, _context.Device, _context.IsMainProcess);
            var result = new TrainingLoop(_context, _seed).Run(task, train, validation, Options, progress, cancellationToken);
            task.PublishAverage();
            var summary = FamilyFiles.Summary(result, _seed, train, Options.InputColumn);
            return new DiffusionTransformer(_context, sampler, Options, shape, summary);
        }
        catch
        {
            sampler.Dispose();
            throw;
        }
    }
}
