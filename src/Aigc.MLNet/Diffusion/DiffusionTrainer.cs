using Aigc.MLNet.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;

namespace Aigc.MLNet.Diffusion;

/// <summary>Trains a denoising diffusion model on an image column
/// (<c>ctx.Generative.Trainers.Diffusion(...)</c>); with a label column, a class-conditional one that
/// supports classifier-free guidance. Progress reports carry "loss" (the denoising MSE).</summary>
public sealed class DiffusionTrainer : IEstimator<DiffusionTransformer>
{
    private readonly AigcContext _context;

    /// <summary>Creates the trainer; the options are validated now.</summary>
    public DiffusionTrainer(AigcContext context, DiffusionOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>The options.</summary>
    public DiffusionOptions Options { get; }

    internal static (int C, int H, int W) ImageShape(DataViewSchema schema, DiffusionOptions options)
    {
        int factor = 1 << (options.UNet.ChannelMultipliers.Count - 1);
        var col = schema.Require(options.InputColumn, $"an image vector of Single in [-1, 1] shaped (1 or 3, H, W), H and W divisible by {factor}",
            t => t is VectorDataViewType { Dimensions.Count: 3 } v && v.ItemType.Equals(NumberDataViewType.Single)
                 && v.Dimensions[0] is 1 or 3 && v.Dimensions[1] % factor == 0 && v.Dimensions[2] % factor == 0);
        if (options.LabelColumn is { } label) schema.Require(label, NumberDataViewType.Int64);
        var d = ((VectorDataViewType)col.Type).Dimensions;
        return (d[0], d[1], d[2]);
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        DiffusionTransformer.OutputSchemaFor(inputSchema, ImageShape(inputSchema, Options));

    /// <inheritdoc />
    public DiffusionTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Trains, reporting progress and honouring cancellation.</summary>
    public DiffusionTransformer Fit(IDataView train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var shape = ImageShape(train.Schema, Options);
        int? classes = Options.LabelColumn is null ? null : Options.NumClasses;
        var schedule = NoiseSchedule.For(Options);
        using var net = new UNet(Options.UNet, shape.C, shape.H, shape.W, classes);
        var sampler = new UNet(Options.UNet, shape.C, shape.H, shape.W, classes);
        try
        {
            net.To(_context.Device);
            sampler.To(_context.Device);
            using var task = new DiffusionTrainingTask(net, sampler, Options, schedule, shape, _context.Device);
            var result = new TrainingLoop(_context).Run(task, train, null, Options.Loop, progress, cancellationToken);
            task.PublishAverage();
            var summary = FamilyFiles.Summary(result, _context, train, Options.InputColumn);
            return new DiffusionTransformer(_context, sampler, Options, shape, summary);
        }
        catch
        {
            sampler.Dispose();
            throw;
        }
    }
}
