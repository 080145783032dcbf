using Aigc.Torch.Native;

namespace Aigc.Torch;

/// <summary>How a loss combines per-element values. Values match libtorch's codes.</summary>
public enum Reduction
{
    /// <summary>Keep one loss per element.</summary>
    None = 0,
    /// <summary>Average (the default, as in PyTorch).</summary>
    Mean = 1,
    /// <summary>Add up.</summary>
    Sum = 2,
}

/// <summary>Interpolation modes for <see cref="F.Interpolate"/>.</summary>
public enum InterpolationMode
{
    /// <summary>Nearest neighbour.</summary>
    Nearest = 0,
    /// <summary>Bilinear.</summary>
    Bilinear = 1,
}

/// <summary>
/// Stateless neural-network kernels (like <c>torch.nn.functional</c>): parameters are passed in.
/// Image tensors are (N, C, H, W); (h, w) pairs are given as two-element arrays or one int for both.
/// </summary>
public static partial class F
{
    private static TensorHandle H(Tensor? t) => t?.Handle ?? TensorHandle.Null;

    private static long[] Pair(long[]? p, long fallback, string name)
    {
        if (p is null) return [fallback, fallback];
        if (p.Length == 1) return [p[0], p[0]];
        if (p.Length != 2) throw new ArgumentException($"{name} takes one or two values, got {p.Length}.", name);
        return p;
    }

    /// <summary>2-D convolution. weight: (out, in/groups, kh, kw).</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? stride = null,
        long[]? padding = null, long[]? dilation = null, long groups = 1) =>
        Tensor.Wrap(NnNative.Nn_conv2d(input.Handle, weight.Handle, H(bias), Pair(stride, 1, nameof(stride)),
            Pair(padding, 0, nameof(padding)), Pair(dilation, 1, nameof(dilation)), groups, out var r), r);

    /// <summary>2-D transposed convolution. weight: (in, out/groups, kh, kw).
    /// Output size: (H-1)*stride - 2*padding + dilation*(k-1) + outputPadding + 1.</summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? stride = null,
        long[]? padding = null, long[]? outputPadding = null, long[]? dilation = null, long groups = 1) =>
        Tensor.Wrap(NnNative.Nn_conv_transpose2d(input.Handle, weight.Handle, H(bias), Pair(stride, 1, nameof(stride)),
            Pair(padding, 0, nameof(padding)), Pair(outputPadding, 0, nameof(outputPadding)),
            Pair(dilation, 1, nameof(dilation)), groups, out var r), r);

    /// <summary>2-D max pooling; stride defaults to the kernel size.</summary>
    public static Tensor MaxPool2d(Tensor input, long[] kernelSize, long[]? stride = null, long[]? padding = null,
        long[]? dilation = null, bool ceilMode = false)
    {
        var k = Pair(kernelSize, 1, nameof(kernelSize));
        return Tensor.Wrap(NnNative.Nn_max_pool2d(input.Handle, k, stride is null ? k : Pair(stride, 1, nameof(stride)),
            Pair(padding, 0, nameof(padding)), Pair(dilation, 1, nameof(dilation)), ceilMode ? 1 : 0, out var r), r);
    }

    /// <summary>2-D average pooling; stride defaults to the kernel size.</summary>
    public static Tensor AvgPool2d(Tensor input, long[] kernelSize, long[]? stride = null, long[]? padding = null,
        bool ceilMode = false, bool countIncludePad = true)
    {
        var k = Pair(kernelSize, 1, nameof(kernelSize));
        return Tensor.Wrap(NnNative.Nn_avg_pool2d(input.Handle, k, stride is null ? k : Pair(stride, 1, nameof(stride)),
            Pair(padding, 0, nameof(padding)), ceilMode ? 1 : 0, countIncludePad ? 1 : 0, out var r), r);
    }

    /// <summary>Resizes (N, C, H, W) images to (N, C, height, width).</summary>
    public static Tensor Interpolate(Tensor input, long height, long width, InterpolationMode mode = InterpolationMode.Nearest,
        bool alignCorners = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return Tensor.Wrap(NnNative.Nn_interpolate(input.Handle, height, width, (int)mode, alignCorners ? 1 : 0, out var r), r);
    }

    /// <summary>Batch normalisation over dimension 1. In training, batch statistics are used and the
    /// running buffers updated in place: running = (1 - momentum) * running + momentum * batch.</summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null,
        Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
        Tensor.Wrap(NnNative.Nn_batch_norm(input.Handle, H(weight), H(bias), H(runningMean), H(runningVar),
            training ? 1 : 0, momentum, eps, out var r), r);

    /// <summary>Group normalisation: channels split into <paramref name="groups"/>, each normalised.</summary>
    public static Tensor GroupNorm(Tensor input, long groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        Tensor.Wrap(NnNative.Nn_group_norm(input.Handle, groups, H(weight), H(bias), eps, out var r), r);

    /// <summary>Layer normalisation over the trailing <paramref name="normalizedShape"/> dimensions.</summary>
    public static Tensor LayerNorm(Tensor input, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        Tensor.Wrap(NnNative.Nn_layer_norm(input.Handle, normalizedShape, normalizedShape.Length, H(weight), H(bias), eps, out var r), r);

    /// <summary>Looks up rows of <paramref name="weight"/> (vocab, dim) for Int64 indices.</summary>
    public static Tensor Embedding(Tensor indices, Tensor weight, long paddingIdx = -1) =>
        Tensor.Wrap(NnNative.Nn_embedding(weight.Handle, indices.Handle, paddingIdx, out var r), r);

    /// <summary>Zeroes elements with probability p and scales the rest by 1/(1-p), in training only.</summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        return Tensor.Wrap(NnNative.Nn_dropout(input.Handle, p, training ? 1 : 0, out var r), r);
    }

    /// <summary>softmax(Q Kᵀ / √d + mask) V over (..., L, d) inputs, optionally causal (position i
    /// sees positions ≤ i). A Bool mask marks allowed positions; a float mask is added.
    /// Uses libtorch's fused kernel where available (<see cref="Engine.HasFusedAttention"/>).</summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null,
        double dropoutP = 0, bool isCausal = false) =>
        Tensor.Wrap(NnNative.Nn_scaled_dot_product_attention(query.Handle, key.Handle, value.Handle, H(mask),
            dropoutP, isCausal ? 1 : 0, out var r), r);

    /// <summary>GELU(input Wᵀ + b), GELU exact (erf): a Linear layer and its activation as one step.
    /// On the CPU in float32 or float64 it is one autograd node whose backward pass forms the GELU
    /// slope, the pre-activation gradient and the bias gradient in one fused pass (float32 8 lanes at
    /// a time) and returns a contiguous weight gradient; elsewhere, and without a bias, it is
    /// <see cref="Linear"/> followed by <see cref="Tensor.Gelu"/>. Results agree with that composite
    /// to float rounding.</summary>
    /// <param name="input">(..., in).</param>
    /// <param name="weight">(out, in).</param>
    /// <param name="bias">(out), or null.</param>
    public static Tensor LinearGelu(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        return Tensor.Wrap(NnNative.Nn_linear_gelu(input.Handle, weight.Handle, H(bias), out var r), r);
    }

    /// <summary>The residual sum <c>input + delta</c> and its layer normalisation over the last
    /// dimension, as a pre-LayerNorm transformer computes them between sublayers. On the CPU in
    /// float32 or float64, with equal shapes, it is one fused autograd node (one pass per row; the
    /// sum's gradient from its other uses is added inside the normalisation's backward pass);
    /// elsewhere it is an add followed by <see cref="LayerNorm"/>.</summary>
    /// <param name="input">(..., C).</param>
    /// <param name="delta">What is added to <paramref name="input"/>: the same shape.</param>
    /// <param name="weight">γ (C), or null for none.</param>
    /// <param name="bias">β (C), or null for none.</param>
    /// <param name="eps">Added to the (biased) variance.</param>
    /// <returns>The sum and its normalisation, both shaped as <paramref name="input"/>.</returns>
    public static (Tensor Sum, Tensor Normalized) AddLayerNorm(Tensor input, Tensor delta, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(delta);
        int status = NnNative.Nn_add_layer_norm(input.Handle, delta.Handle, H(weight), H(bias), eps, out var sum, out var normalized);
        var s = Tensor.Wrap(status, sum);
        return (s, Tensor.Wrap(status, normalized));
    }

    /// <summary>A stacked unidirectional LSTM over batch-first input (B, T, inputSize).
    /// <paramref name="parameters"/> holds, per layer, w_ih (4H, in), w_hh (4H, H), b_ih (4H) and b_hh (4H)
    /// in PyTorch's gate order (input, forget, cell, output); the initial states are (layers, B, H) or
    /// null for zeros. Dropout applies between layers in training.</summary>
    /// <returns>The top layer's outputs (B, T, H) and the final hidden and cell states.</returns>
    public static (Tensor Output, Tensor Hidden, Tensor Cell) Lstm(Tensor input, IReadOnlyList<Tensor> parameters, int layers,
        Tensor? hidden = null, Tensor? cell = null, double dropout = 0, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(parameters);
        if ((hidden is null) != (cell is null))
            throw new ArgumentException("Give both the hidden and the cell state, or neither.", hidden is null ? nameof(hidden) : nameof(cell));
        if (dropout is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout probability must be in [0, 1]");
        var handles = new IntPtr[parameters.Count];
        for (int i = 0; i < handles.Length; i++) handles[i] = parameters[i].Handle.DangerousGetHandle();
        int status = NnNative.Nn_lstm(input.Handle, H(hidden), H(cell), handles, handles.Length, layers, dropout, training ? 1 : 0,
            out var output, out var h, out var c);
        GC.KeepAlive(parameters);
        var o = Tensor.Wrap(status, output);
        return (o, Tensor.Wrap(status, h), Tensor.Wrap(status, c));
    }

    /// <summary>Mean squared error: (input - target)².</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Tensor.Wrap(NnNative.Nn_regression_loss(input.Handle, target.Handle, 0, (int)reduction, out var r), r);

    /// <summary>Mean absolute error: |input - target|.</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Tensor.Wrap(NnNative.Nn_regression_loss(input.Handle, target.Handle, 1, (int)reduction, out var r), r);

    /// <summary>-w [t log p + (1 - t) log(1 - p)] for probabilities p in [0, 1].</summary>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean) =>
        Tensor.Wrap(NnNative.Nn_binary_cross_entropy(input.Handle, target.Handle, H(weight), (int)reduction, out var r), r);

    /// <summary>Binary cross-entropy on logits (sigmoid folded in, numerically stable).</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null,
        Tensor? posWeight = null, Reduction reduction = Reduction.Mean) =>
        Tensor.Wrap(NnNative.Nn_binary_cross_entropy_with_logits(input.Handle, target.Handle, H(weight), H(posWeight),
            (int)reduction, out var r), r);

    /// <summary>Cross-entropy of logits (N, C[, d...]) against class indices; targets equal to
    /// <paramref name="ignoreIndex"/> contribute nothing; label smoothing mixes in the uniform
    /// distribution with weight ε.</summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
        long ignoreIndex = -100, double labelSmoothing = 0)
    {
        if (labelSmoothing is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1]");
        return Tensor.Wrap(NnNative.Nn_cross_entropy(input.Handle, target.Handle, H(weight), (int)reduction, ignoreIndex,
            labelSmoothing, out var r), r);
    }

    /// <summary>Negative log-likelihood of log-probabilities (N, C) against class indices.</summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
        long ignoreIndex = -100) =>
        Tensor.Wrap(NnNative.Nn_nll_loss(input.Handle, target.Handle, H(weight), (int)reduction, ignoreIndex, out var r), r);

    /// <summary>x W^T + b.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) =>
        Tensor.Wrap(OpsNative.Ops_linear(input.Handle, weight.Handle, H(bias), out var r), r);
}
