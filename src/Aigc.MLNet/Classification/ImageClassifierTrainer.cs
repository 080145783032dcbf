using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Aigc.Torch.Optim;

namespace Aigc.MLNet.Classification;

/// <summary>Trains the feature classifier (<c>mlContext.Generative().Trainers.ImageClassifier(...)</c>).</summary>
public sealed class ImageClassifierTrainer : IEstimator<ImageClassifierTransformer>
{
    private readonly GenerativeCatalog _context;
    private readonly int _seed;

    /// <summary>Creates the trainer; the options are validated now.</summary>
    public ImageClassifierTrainer(GenerativeCatalog context, ImageClassifierOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        _seed = options.Seed ?? context.NextSeed();
    }

    /// <summary>The options.</summary>
    public ImageClassifierOptions Options { get; }

    internal static (int C, int H, int W) ImageShape(DataViewSchema schema, ImageClassifierOptions o, bool needLabels)
    {
        var col = schema.Require(o.InputColumn, ExpectedImage,
            t => Transforms.ImageShape.IsModelInput(t, divisor: 4));
        if (needLabels) schema.Require(ColumnRequirement.Label(o.LabelColumn));
        var d = ((VectorDataViewType)col.Type).Dimensions;
        return (d[0], d[1], d[2]);
    }

    private const string ExpectedImage = "an image vector of Single in [0, 1] or of Byte pixels, shaped (1 or 3, H, W), H and W divisible by 4";

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ColumnRequirement.Image(Options.InputColumn, ExpectedImage).Check(inputSchema);
        ColumnRequirement.Label(Options.LabelColumn).Check(inputSchema);
        return SchemaShapes.Append(inputSchema, ImageClassifierTransformer.Outputs(Options));
    }

    /// <inheritdoc />
    public ImageClassifierTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Trains; with validation data, reports accuracy each epoch.</summary>
    public ImageClassifierTransformer Fit(IDataView train, IDataView? validation, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Engine.ManualSeed(unchecked((ulong)_seed));
        var shape = ImageShape(train.Schema, Options, needLabels: true);
        train = Transforms.ImageShape.AsSingle(train, Options.InputColumn, Transforms.PixelScale.ZeroToOne);
        if (validation is not null) validation = Transforms.ImageShape.AsSingle(validation, Options.InputColumn, Transforms.PixelScale.ZeroToOne);
        var net = new FeatureCnn(shape.C, shape.H, shape.W, Options.FeatureDim, Options.NumClasses);
        try
        {
            net.To(_context.Device);
            using var task = new Task(net, Options, _context.Device);
            var result = new TrainingLoop(_context, _seed).Run(task, train, validation, Options, progress, cancellationToken);
            var summary = FamilyFiles.Summary(result, _seed, train, Options.InputColumn, Options.LabelColumn);
            return new ImageClassifierTransformer(_context, net, Options, shape, summary);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private sealed class Task(FeatureCnn net, ImageClassifierOptions o, Device device) : ITrainingTask, IDisposable
    {
        private readonly Adam _optimizer = new(net.Parameters(), o.LearningRate);

        public IReadOnlyList<string> BatchColumns => [o.InputColumn, o.LabelColumn];

        public IReadOnlyList<Optimizer> Optimizers => [_optimizer];

        public IReadOnlyDictionary<string, double> TrainStep(Batch batch)
        {
            using var scope = DisposeScope.Enter();
            net.Train();
            var labels = Labels.Check(batch[o.LabelColumn], o.LabelColumn, o.NumClasses);
            var loss = F.CrossEntropy(net.Logits(batch[o.InputColumn]), labels);
            _optimizer.ZeroGrad();
            loss.Backward();
            _optimizer.Step();
            return new Dictionary<string, double> { ["cross_entropy"] = loss.Item() };
        }

        public IReadOnlyDictionary<string, double>? Validate(IDataView validation, int batchSize)
        {
            net.Eval();
            using var noGrad = Engine.NoGrad();
            var batcher = new Batcher(validation.Schema, BatchColumns, batchSize, device);
            using var cursor = validation.GetRowCursor(batcher.Columns);
            long correct = 0, n = 0;
            while (batcher.Next(cursor) is { } batch)
            {
                using (batch)
                using (var scope = DisposeScope.Enter())
                    correct += net.Logits(batch[o.InputColumn]).Argmax(1).Eq(batch[o.LabelColumn]).To(ScalarType.Int64).Sum().ItemInt64();
                n += batch.Count;
            }
            return new Dictionary<string, double> { ["accuracy"] = (double)correct / Math.Max(n, 1) };
        }

        public IReadOnlyDictionary<string, Tensor> GetState()
        {
            var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            StateDicts.AddPrefixed(state, "net", net.StateDict());
            StateDicts.AddPrefixed(state, "optim", _optimizer.StateDict());
            return state;
        }

        public void SetState(IReadOnlyDictionary<string, Tensor> state)
        {
            net.LoadStateDict(StateDicts.Part(state, "net"));
            _optimizer.LoadStateDict(StateDicts.Part(state, "optim"));
        }

        public void Dispose() => _optimizer.Dispose();
    }
}
