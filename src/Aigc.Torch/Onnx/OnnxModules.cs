using Aigc.Torch.Nn;

namespace Aigc.Torch.Onnx;

/// <summary>The layers of <c>Aigc.Torch.Nn</c> as ONNX nodes. <c>prefix</c> is the layer's
/// state-dict key ("fc1", "enc.0"): its weights become initializers "prefix.weight", "prefix.bias".</summary>
public static class OnnxModules
{
    /// <summary>y = x·Wᵀ + b for a 2-D (N, in) input, as one Gemm.</summary>
    public static string Linear(this OnnxGraph g, string x, Linear layer, string prefix)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var inputs = new List<string> { x, g.Initializer($"{prefix}.weight", layer.Weight) };
        if (layer.Bias is { } b) inputs.Add(g.Initializer($"{prefix}.bias", b));
        return g.Op("Gemm", inputs, OnnxAttribute.Int("transB", 1));
    }

    /// <summary>y = x·Wᵀ + b over the last dimension of an input of any rank (MatMul, then Add):
    /// the weight is stored transposed, (in, out), as MatMul reads it.</summary>
    public static string LinearLastDim(this OnnxGraph g, string x, Linear layer, string prefix)
    {
        ArgumentNullException.ThrowIfNull(layer);
        using var scope = DisposeScope.Enter();
        var y = g.Op("MatMul", [x, g.Initializer($"{prefix}.weight", layer.Weight.Detach().Transpose(0, 1).Contiguous())]);
        return layer.Bias is { } b ? g.Op("Add", [y, g.Initializer($"{prefix}.bias", b)]) : y;
    }

    /// <summary>A 2-D convolution.</summary>
    public static string Conv(this OnnxGraph g, string x, Conv2d layer, string prefix)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var inputs = new List<string> { x, g.Initializer($"{prefix}.weight", layer.Weight) };
        if (layer.Bias is { } b) inputs.Add(g.Initializer($"{prefix}.bias", b));
        long k = layer.Weight.Size(2), p = layer.Padding;
        return g.Op("Conv", inputs,
            OnnxAttribute.Ints("kernel_shape", k, k), OnnxAttribute.Ints("strides", layer.Stride, layer.Stride),
            OnnxAttribute.Ints("pads", p, p, p, p), OnnxAttribute.Ints("dilations", layer.Dilation, layer.Dilation),
            OnnxAttribute.Int("group", layer.Groups));
    }

    /// <summary>A 2-D transposed convolution (ONNX's weight layout, (in, out/groups, k, k), is PyTorch's).</summary>
    public static string ConvTranspose(this OnnxGraph g, string x, ConvTranspose2d layer, string prefix)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var inputs = new List<string> { x, g.Initializer($"{prefix}.weight", layer.Weight) };
        if (layer.Bias is { } b) inputs.Add(g.Initializer($"{prefix}.bias", b));
        long k = layer.Weight.Size(2), p = layer.Padding, op = layer.OutputPadding;
        return g.Op("ConvTranspose", inputs,
            OnnxAttribute.Ints("kernel_shape", k, k), OnnxAttribute.Ints("strides", layer.Stride, layer.Stride),
            OnnxAttribute.Ints("pads", p, p, p, p), OnnxAttribute.Ints("dilations", layer.Dilation, layer.Dilation),
            OnnxAttribute.Ints("output_padding", op, op), OnnxAttribute.Int("group", layer.Groups));
    }

    /// <summary>Batch normalisation with the running statistics (evaluation mode).</summary>
    public static string BatchNorm(this OnnxGraph g, string x, BatchNorm layer, string prefix)
    {
        ArgumentNullException.ThrowIfNull(layer);
        long n = layer.NumFeatures;
        var scale = layer.Weight is { } w ? g.Initializer($"{prefix}.weight", w) : g.Initializer($"{prefix}.weight", Enumerable.Repeat(1f, (int)n).ToArray(), n);
        var shift = layer.Bias is { } b ? g.Initializer($"{prefix}.bias", b) : g.Initializer($"{prefix}.bias", new float[n], n);
        return g.Op("BatchNormalization",
            [x, scale, shift, g.Initializer($"{prefix}.running_mean", layer.RunningMean), g.Initializer($"{prefix}.running_var", layer.RunningVar)],
            OnnxAttribute.Float("epsilon", (float)layer.Eps));
    }

    /// <summary>Group normalisation of an (N, C, ...) input. Opset 17 has no GroupNormalization, so:
    /// reshape to (N, G, rest), InstanceNormalization (unit scale, zero shift) normalises each group,
    /// reshape back, then the per-channel γ and β.</summary>
    public static string GroupNorm(this OnnxGraph g, string x, GroupNorm layer, string prefix, int spatialDims = 2)
    {
        ArgumentNullException.ThrowIfNull(layer);
        int groups = (int)layer.Groups;
        var grouped = g.Reshape(x, 0, groups, -1);
        var normed = g.Op("InstanceNormalization", [grouped, g.Initializer(g.Fresh($"{prefix}.unit_scale"), Enumerable.Repeat(1f, groups).ToArray(), groups),
            g.Initializer(g.Fresh($"{prefix}.zero_shift"), new float[groups], groups)], OnnxAttribute.Float("epsilon", (float)layer.Eps));
        var y = g.Op("Reshape", [normed, g.Op("Shape", [x])]);
        var perChannel = new long[] { -1 }.Concat(Enumerable.Repeat(1L, spatialDims)).ToArray();   // (C, 1, 1) broadcasts over (N, C, H, W)
        using var scope = DisposeScope.Enter();
        if (layer.Weight is { } w) y = g.Op("Mul", [y, g.Initializer($"{prefix}.weight", w.Detach().Reshape(perChannel))]);
        if (layer.Bias is { } b) y = g.Op("Add", [y, g.Initializer($"{prefix}.bias", b.Detach().Reshape(perChannel))]);
        return y;
    }

    /// <summary>Layer normalisation over the trailing dimensions (opset 17's LayerNormalization).</summary>
    public static string LayerNorm(this OnnxGraph g, string x, LayerNorm layer, string prefix)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var shape = layer.NormalizedShape.ToArray();
        int count = (int)shape.Aggregate(1L, (a, d) => a * d);
        var inputs = new List<string>
        {
            x,
            layer.Weight is { } w ? g.Initializer($"{prefix}.weight", w) : g.Initializer(g.Fresh($"{prefix}.unit_scale"), Enumerable.Repeat(1f, count).ToArray(), shape),
        };
        if (layer.Bias is { } b) inputs.Add(g.Initializer($"{prefix}.bias", b));
        return g.Op("LayerNormalization", inputs, OnnxAttribute.Int("axis", -shape.Length), OnnxAttribute.Float("epsilon", (float)layer.Eps));
    }

    /// <summary>SiLU, x·σ(x).</summary>
    public static string Silu(this OnnxGraph g, string x) => g.Op("Mul", [x, g.Op("Sigmoid", [x])]);

    /// <summary>An embedding lookup: int64 ids of any shape → their rows of the table.</summary>
    public static string Embedding(this OnnxGraph g, string ids, Embedding layer, string prefix)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return g.Op("Gather", [g.Initializer($"{prefix}.weight", layer.Weight), ids], OnnxAttribute.Int("axis", 0));
    }

    /// <summary>Flattens every dimension after the first: (N, ...) → (N, rest).</summary>
    public static string Flatten(this OnnxGraph g, string x) => g.Op("Flatten", [x], OnnxAttribute.Int("axis", 1));

    /// <summary>Reshapes to <paramref name="shape"/> (0 copies that input dimension, -1 infers one).</summary>
    public static string Reshape(this OnnxGraph g, string x, params long[] shape) => g.Op("Reshape", [x, g.Ints(shape)]);
}
