using Aigc.Torch;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;

namespace Aigc.MLNet.Vae;

/// <summary>
/// Trains a variational autoencoder on an image column (<c>mlContext.Generative().Trainers.Vae(...)</c>).
/// Input: Single pixels in [0, 1] shaped (1 or 3, H, W) — e.g. after <c>ScaleImagePixels</c>.
/// </summary>
public sealed class VaeTrainer : IEstimator<VaeTransformer>
{
    private readonly GenerativeCatalog _context;
    private readonly int _seed;

    /// <summary>Creates the trainer; the options are validated now.</summary>
    public VaeTrainer(GenerativeCatalog context, VaeOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        _seed = options.Seed ?? context.NextSeed();
    }

    /// <summary>The options.</summary>
    public VaeOptions Options { get; }

    private const string ExpectedImage = "an image vector of Single in [0, 1] or of Byte pixels, shaped (1 or 3, height, width)";

    internal static (int C, int H, int W) ImageShape(DataViewSchema schema, VaeOptions options)
    {
        var col = schema.Require(options.InputColumn, ExpectedImage,
            t => Transforms.ImageShape.IsModelInput(t));
        var d = ((VectorDataViewType)col.Type).Dimensions;
        if (options.Architecture == VaeArchitecture.Conv && (d[1] % 4 != 0 || d[2] % 4 != 0))
            throw new SchemaMismatchException(options.InputColumn, "an image whose height and width are divisible by 4 (convolutional VAE)", col.Type, schema);
        return (d[0], d[1], d[2]);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ColumnRequirement.Image(Options.InputColumn, ExpectedImage).Check(inputSchema);
        return SchemaShapes.Append(inputSchema, VaeTransformer.Outputs(Options, (1, 1, 1)));
    }

    /// <inheritdoc />
    public VaeTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Trains, reporting progress and honouring cancellation.</summary>
    /// <param name="train">Training images.</param>
    /// <param name="validation">Optional held-out images: negative ELBO per image each epoch.</param>
    /// <param name="progress">Receives loss ("loss", "reconstruction", "kl" per image) and timing.</param>
    /// <param name="cancellationToken">Stops within one step (see <see cref="TrainingLoop"/>).</param>
    public VaeTransformer Fit(IDataView train, IDataView? validation, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Engine.ManualSeed(unchecked((ulong)_seed));
        var shape = ImageShape(train.Schema, Options);
        if (validation is not null && !ImageShape(validation.Schema, Options).Equals(shape))
            throw new SchemaMismatchException(Options.InputColumn, $"{train.Schema[Options.InputColumn].Type}", validation.Schema[Options.InputColumn].Type, validation.Schema);
        train = Transforms.ImageShape.AsSingle(train, Options.InputColumn, Transforms.PixelScale.ZeroToOne);
        if (validation is not null) validation = Transforms.ImageShape.AsSingle(validation, Options.InputColumn, Transforms.PixelScale.ZeroToOne);
        var model = VaeTransformer.CreateModule(Options, shape);
        try
        {
            model.To(_context.Device);
            using var task = new VaeTrainingTask(model, Options, _context.Device);
            var result = new TrainingLoop(_context, _seed).Run(task, train, validation, Options, progress, cancellationToken);
            var summary = FamilyFiles.Summary(result, _seed, train, Options.InputColumn);
            return new VaeTransformer(_context, model, Options, shape, summary);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
