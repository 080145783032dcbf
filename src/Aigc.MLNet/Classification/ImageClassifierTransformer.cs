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

namespace Aigc.MLNet.Classification;

/// <summary>A trained image classifier: adds "Scores" (class probabilities) and "Features" to an image
/// column, and gives features and predictions for image tensors — the network behind the
/// generation metrics. Train it once, save it (family "image-classifier"), reuse it.</summary>
public sealed class ImageClassifierTransformer : BatchedTransformer, IOnnxExportable, IDisposable
{
    /// <summary>The family name in model files.</summary>
    public const string FamilyName = "image-classifier";

    private readonly GenerativeCatalog _context;
    private readonly FeatureCnn _net;

    internal ImageClassifierTransformer(GenerativeCatalog context, FeatureCnn net, ImageClassifierOptions options, (int C, int H, int W) shape, TrainingSummary training)
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
    public override string Family => FamilyName;

    internal static IReadOnlyList<(string Name, DataViewType Type)> Outputs(ImageClassifierOptions o) =>
        [("Scores", new VectorDataViewType(NumberDataViewType.Single, o.NumClasses)), ("Features", new VectorDataViewType(NumberDataViewType.Single, o.FeatureDim))];

    private protected override BatchMapping CreateMapping(DataViewSchema input)
    {
        var shape = ImageClassifierTrainer.ImageShape(input, Options, needLabels: false);
        if (shape != ImageShape)
            throw new SchemaMismatchException(Options.InputColumn, $"Vector<Single, {ImageShape.C}x{ImageShape.H}x{ImageShape.W}>", input[Options.InputColumn].Type, input);
        return TensorMapping.Create(input, Options.InputColumn, Outputs(Options), _context.Device, Transforms.PixelScale.ZeroToOne, (x, _) =>
        {
            var features = _net.Features(x);
            return [_net.Classify(features).Softmax(1), features]; // the convolutions run once for both
        });
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
    public override ModelContents GetContents()
    {
        var options = JsonSerializer.SerializeToNode(Options, ModelFile.Json)!.AsObject();
        FamilyFiles.WithShape(options, ImageShape);
        return new ModelContents(options, [(Options.InputColumn, Transforms.ImageShape.SingleType(ImageShape))], Outputs(Options), Training, _net.StateDict());
    }

    /// <summary>Rebuilds the classifier from a model file.</summary>
    internal static ITransformer Load(ModelPackage package, GenerativeCatalog context)
    {
        var json = package.Manifest.Options;
        var options = json.Deserialize<ImageClassifierOptions>(ModelFile.Json) ?? throw new InvalidDataException("Classifier options are missing.");
        options.Validate();
        var shape = FamilyFiles.ReadShape(json, "Classifier", divisibleBy4: true);
        var net = FamilyFiles.LoadWeights(new FeatureCnn(shape.C, shape.H, shape.W, options.FeatureDim, options.NumClasses), package, context.Device, "Classifier");
        return new ImageClassifierTransformer(context, net, options, shape, package.Manifest.Training);
    }

    IReadOnlyList<string> IOnnxExportable.ExportOnnx(string directory)
    {
        var g = new OnnxGraph("image_classifier");
        var x = g.Input(Names.Image, OnnxElementType.Float, OnnxExport.ImageDims(ImageShape), "Images (batch, C, H, W), pixels in [0, 1].");
        var (features, logits) = _net.Export(g, x);
        g.Output(logits, Names.Logits, OnnxElementType.Float, ["batch", Options.NumClasses], "Class logits (batch, classes).");
        g.Output(g.Op("Softmax", [logits], OnnxAttribute.Int("axis", 1)), Names.Scores, OnnxElementType.Float, ["batch", Options.NumClasses],
            "Class probabilities (batch, classes): the softmax of the logits, as the ML.NET transformer's Scores column.");
        g.Output(features, Names.Features, OnnxElementType.Float, ["batch", Options.FeatureDim], "Feature-layer activations (batch, feature_dim), as used by the generation metrics.");
        var meta = OnnxExport.ImageMetadata(FamilyName, "classifier", ImageShape, PixelRange.ZeroToOne);
        meta[OnnxContract.Keys.NumClasses] = OnnxExport.Text(Options.NumClasses);
        meta[OnnxContract.Keys.FeatureDim] = OnnxExport.Text(Options.FeatureDim);
        return [OnnxExport.Save(g, directory, OnnxContract.Files.Classifier, "Image classifier: image → (logits, scores, features).", meta)];
    }

    /// <summary>Frees the network.</summary>
    public void Dispose() => _net.Dispose();
}
