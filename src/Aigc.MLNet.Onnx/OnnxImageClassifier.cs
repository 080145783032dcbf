using Microsoft.ML.OnnxRuntime;
using Names = Aigc.MLNet.Onnx.OnnxContract.Names;

namespace Aigc.MLNet.Onnx;

/// <summary>An image classifier exported by Aigc.MLNet, run on ONNX Runtime: logits, class
/// probabilities and feature-layer activations of images with pixels in [0, 1].</summary>
public sealed class OnnxImageClassifier : IDisposable
{
    private readonly OnnxModelSession _session;
    private readonly ImageModelShape _shape;

    private OnnxImageClassifier(OnnxModelSession session)
    {
        _session = session;
        _shape = ImageModelShape.Read(session);
        NumClasses = session.Int(OnnxContract.Keys.NumClasses);
        FeatureDim = session.Int(OnnxContract.Keys.FeatureDim);
    }

    /// <summary>Opens the exported folder's classifier.onnx.</summary>
    /// <exception cref="FileNotFoundException">The folder has no classifier.onnx.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid exported classifier.</exception>
    public static OnnxImageClassifier Load(string directory, SessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return OnnxModelSession.Open(Path.Combine(directory, OnnxContract.Files.Classifier), "image-classifier", "classifier", options, session => new OnnxImageClassifier(session));
    }

    /// <summary>The number of classes.</summary>
    public int NumClasses { get; }

    /// <summary>The size of the feature layer.</summary>
    public int FeatureDim { get; }

    /// <summary>(channels, height, width) of the images it reads.</summary>
    public (int C, int H, int W) ImageShape => (_shape.Channels, _shape.Height, _shape.Width);

    /// <summary>Logits, probabilities (count × classes each) and features (count × feature) of <paramref name="images"/>.</summary>
    public (float[] Logits, float[] Scores, float[] Features) Classify(ImageBatch images, CancellationToken cancellation = default)
    {
        _shape.Check(images, nameof(images));
        if (images.Minimum != 0 || images.Maximum != 1)
            throw new ArgumentException($"The classifier reads pixels in [0, 1]; these are in [{images.Minimum}, {images.Maximum}].", nameof(images));
        int n = images.Count;
        var (logits, scores, features) = (new float[(long)n * NumClasses], new float[(long)n * NumClasses], new float[(long)n * FeatureDim]);
        Batches.ForEach(n, cancellation, (start, rows) => _session.Run(
            [OnnxInput.Of(Names.Image, Batches.Rows(images.Pixels, start, rows, _shape.Size), _shape.Dims(rows))],
            [new OnnxOutput(Names.Logits, Batches.Rows(logits, start, rows, NumClasses), [rows, NumClasses]),
             new OnnxOutput(Names.Scores, Batches.Rows(scores, start, rows, NumClasses), [rows, NumClasses]),
             new OnnxOutput(Names.Features, Batches.Rows(features, start, rows, FeatureDim), [rows, FeatureDim])]));
        return (logits, scores, features);
    }

    /// <summary>The most probable class of each image.</summary>
    public int[] Predict(ImageBatch images, CancellationToken cancellation = default)
    {
        var scores = Classify(images, cancellation).Scores;
        return Enumerable.Range(0, images.Count).Select(i => ArgMax(scores.AsSpan(i * NumClasses, NumClasses))).ToArray();
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>Closes the ONNX Runtime session.</summary>
    public void Dispose() => _session.Dispose();
}
