using Aigc.MLNet.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;

namespace Aigc.MLNet.Gan;

/// <summary>Trains a DCGAN on an image column (<c>ctx.Generative.Trainers.Gan(...)</c>); with a label
/// column, a class-conditional one. Progress reports carry d_loss, g_loss, d_real = mean D(x) and
/// d_fake = mean D(G(z)).</summary>
public sealed class GanTrainer : IEstimator<GanTransformer>
{
    private readonly AigcContext _context;

    /// <summary>Creates the trainer; the options are validated now.</summary>
    public GanTrainer(AigcContext context, GanOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>The options.</summary>
    public GanOptions Options { get; }

    internal static (int C, int H, int W) ImageShape(DataViewSchema schema, GanOptions options)
    {
        var col = schema.Require(options.InputColumn, "an image vector of Single in [-1, 1] shaped (1 or 3, H, W), H and W divisible by 4",
            t => t is VectorDataViewType { Dimensions.Count: 3 } v && v.ItemType.Equals(NumberDataViewType.Single)
                 && v.Dimensions[0] is 1 or 3 && v.Dimensions[1] % 4 == 0 && v.Dimensions[2] % 4 == 0);
        if (options.LabelColumn is { } label) schema.Require(label, NumberDataViewType.Int64);
        var d = ((VectorDataViewType)col.Type).Dimensions;
        return (d[0], d[1], d[2]);
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        GanTransformer.OutputSchemaFor(inputSchema, ImageShape(inputSchema, Options));

    /// <inheritdoc />
    public GanTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Trains, reporting progress and honouring cancellation.</summary>
    public GanTransformer Fit(IDataView train, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var shape = ImageShape(train.Schema, Options);
        int? classes = Options.LabelColumn is null ? null : Options.NumClasses;
        var g = new DcganGenerator(Options.LatentDim, shape.C, shape.H, shape.W, Options.GeneratorChannels, classes);
        using var d = new DcganDiscriminator(shape.C, shape.H, shape.W, Options.DiscriminatorChannels, classes);
        try
        {
            g.To(_context.Device);
            d.To(_context.Device);
            using var task = new GanTrainingTask(g, d, Options, _context.Device);
            var result = new TrainingLoop(_context).Run(task, train, null, Options.Loop, progress, cancellationToken);
            var summary = FamilyFiles.Summary(result, _context, train, Options.InputColumn);
            return new GanTransformer(_context, g, Options, shape, summary);
        }
        catch
        {
            g.Dispose();
            throw;
        }
    }
}
