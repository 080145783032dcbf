using Aigc.Torch;
using Aigc.Torch.Nn;
using Aigc.Torch.Onnx;

namespace Aigc.MLNet.Classification;

/// <summary>conv(C→32, 3) + ReLU + max-pool → conv(32→64, 3) + ReLU + max-pool → fc1 (features,
/// ReLU) → fc2 (class logits).</summary>
internal sealed class FeatureCnn : Module
{
    private readonly Conv2d conv1, conv2;
    private readonly Linear fc1, fc2;

    /// <summary>Creates the network for (C, H, W) images.</summary>
    public FeatureCnn(int channels, int height, int width, int featureDim, int classes)
    {
        conv1 = new Conv2d(channels, 32, 3, padding: 1);
        conv2 = new Conv2d(32, 64, 3, padding: 1);
        fc1 = new Linear(64 * (height / 4) * (width / 4), featureDim);
        fc2 = new Linear(featureDim, classes);
    }

    /// <summary>(B, C, H, W) → (B, feature) activations of the feature layer.</summary>
    public Tensor Features(Tensor images)
    {
        var h = F.MaxPool2d(conv1.Forward(images).Relu(), [2]);   // (B, 32, H/2, W/2)
        h = F.MaxPool2d(conv2.Forward(h).Relu(), [2]);             // (B, 64, H/4, W/4)
        return fc1.Forward(h.Flatten(1)).Relu();                   // (B, feature)
    }

    /// <summary>(B, feature) activations → (B, classes) logits.</summary>
    public Tensor Classify(Tensor features) => fc2.Forward(features);

    /// <summary>(B, C, H, W) → (B, classes) logits.</summary>
    public Tensor Logits(Tensor images) => Classify(Features(images));

    /// <summary>Adds the network to an ONNX graph: image value → (features, logits) values.</summary>
    public (string Features, string Logits) Export(OnnxGraph g, string images)
    {
        var pool = new[] { OnnxAttribute.Ints("kernel_shape", 2, 2), OnnxAttribute.Ints("strides", 2, 2) };
        var h = g.Op("MaxPool", [g.Op("Relu", [g.Conv(images, conv1, nameof(conv1))])], pool);
        h = g.Op("MaxPool", [g.Op("Relu", [g.Conv(h, conv2, nameof(conv2))])], pool);
        var features = g.Op("Relu", [g.Linear(g.Flatten(h), fc1, nameof(fc1))]);
        return (features, g.Linear(features, fc2, nameof(fc2)));
    }
}
