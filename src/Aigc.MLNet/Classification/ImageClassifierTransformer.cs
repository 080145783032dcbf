using System.Text.Json;
using Aigc.MLNet.Data;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.ModelFiles;
using Aigc.Torch;

namespace Aigc.MLNet.Classification;

/// <summary>A trained image classifier: adds "Scores" (class probabilities) and "Features" to an image
/// column, and gives features and predictions for image tensors — the network behind the
/// generation metrics. Train it once, save it (family "image-classifier"), reuse it.</summary>
public sealed class ImageClassifierTransformer : ISavableModel, IDisposable
{
    /// <summary>The family name in model files.</summary>
    public const string FamilyName = "image-classifier";

    private readonly AigcContext _context;
    private readonly FeatureCnn _net;

    internal ImageClassifierTransformer(AigcContext context, FeatureCnn net, ImageClassifierOptions options, (int C, int H, int W) shape, TrainingSummary training)
    {
        (_context, _net, Options, ImageShape, Training) = (context, net, options, shape, training);
        _net.Eval();
    }

    /// <summary>The options it was trained with.</summary>
    public ImageClassifierOptions Options { get; }

    /// <summary>(channels, height, width) of the images it reads.</summary>
    public (int C, int H, int W) ImageShape { get; }

    /// <summary>How it was trained.</summary>
    public TrainingSummary Training { get; }

    /// <inheritdoc />
    public string Family => FamilyName;

    internal static DataViewSchema OutputSchemaFor(DataViewSchema input, ImageClassifierOptions o, (int C, int H, int W) s) =>
        input.With(("Scores", new VectorDataViewType(NumberDataViewType.Single, o.NumClasses)), ("Features", new VectorDataViewType(NumberDataViewType.Single, o.FeatureDim)));

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var shape = ImageClassifierTrainer.ImageShape(inputSchema, Options, needLabels: false);
        if (shape != ImageShape)
            throw new SchemaMismatchException(Options.InputColumn, $"Vector<Single, {ImageShape.C}x{ImageShape.H}x{ImageShape.W}>", inputSchema[Options.InputColumn].Type, inputSchema);
        return OutputSchemaFor(inputSchema, Options, ImageShape);
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        var schema = GetOutputSchema(input.Schema);
        var outputs = new[] { "Scores", "Features" }.Select(n => (n, (VectorDataViewType)schema[n].Type)).ToList();
        return new BatchMappedDataView(input, Options.InputColumn, outputs, (x, _) =>
        {
            var features = _net.Features(x);
            return [_net.Classify(features).Softmax(1), features]; // the convolutions run once for both
        }, batchSize: 256, _context.Device);
    }

    private Tensor Prepare(Tensor images, PixelRange range)
    {
        var s = images.Shape;
        if (s.Length != 4 || s[1] != ImageShape.C || s[2] != ImageShape.H || s[3] != ImageShape.W)
            throw new ArgumentException($"Expected images shaped (N, {ImageShape.C}, {ImageShape.H}, {ImageShape.W}), got [{string.Join(", ", s)}].", nameof(images));
        var x = images.To(_context.Device, ScalarType.Float32);
        return range == PixelRange.MinusOneToOne ? (x + 1) * 0.5 : x;
    }

    /// <summary>Feature-layer activations of (N, C, H, W) images, computed in batches: (N, feature).</summary>
    public Tensor Features(Tensor images, PixelRange range = PixelRange.ZeroToOne) => Batched(images, range, x => _net.Features(x));

    /// <summary>The predicted class of each image: (N) Int64.</summary>
    public Tensor Predict(Tensor images, PixelRange range = PixelRange.ZeroToOne) => Batched(images, range, x => _net.Logits(x).Argmax(1));

    private Tensor Batched(Tensor images, PixelRange range, Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        var x = Prepare(images, range);
        var parts = x.Split(256).Select(b => f(b).To(Device.Cpu)).ToList();
        return Tensor.Cat(parts).MoveToOuterScope();
    }

    /// <inheritdoc />
    public ModelContents GetContents()
    {
        var options = JsonSerializer.SerializeToNode(Options, ModelFile.Json)!.AsObject();
        FamilyFiles.WithShape(options, ImageShape);
        var input = new DataViewSchema([(Options.InputColumn, new VectorDataViewType(NumberDataViewType.Single, ImageShape.C, ImageShape.H, ImageShape.W))]);
        var output = OutputSchemaFor(input, Options, ImageShape);
        return new ModelContents(options, input, new DataViewSchema(output.Skip(1).Select(c => (c.Name, c.Type))), Training, _net.StateDict());
    }

    /// <summary>Rebuilds the classifier from a model file.</summary>
    internal static ITransformer Load(ModelPackage package, AigcContext context)
    {
        var json = package.Manifest.Options;
        var options = json.Deserialize<ImageClassifierOptions>(ModelFile.Json) ?? throw new InvalidDataException("Classifier options are missing.");
        options.Validate();
        var shape = FamilyFiles.ReadShape(json, "Classifier", divisibleBy4: true);
        var net = FamilyFiles.LoadWeights(new FeatureCnn(shape.C, shape.H, shape.W, options.FeatureDim, options.NumClasses), package, context.Device, "Classifier");
        return new ImageClassifierTransformer(context, net, options, shape, package.Manifest.Training);
    }


    /// <summary>Frees the network.</summary>
    public void Dispose() => _net.Dispose();
}
