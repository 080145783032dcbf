namespace Aigc.Torch.Nn;

/// <summary>
/// Batch normalisation over the channel dimension (1): y = (x - μ) / √(σ² + ε) · γ + β.
/// Training uses batch statistics and updates the running ones with <c>momentum</c>; evaluation
/// uses the running statistics. State keys match PyTorch's (weight, bias, running_mean,
/// running_var, num_batches_tracked).
/// </summary>
public class BatchNorm : Module<Tensor, Tensor>
{
    private readonly Parameter? weight;
    private readonly Parameter? bias;
    [StateName("running_mean")] private readonly Tensor _runningMean;
    [StateName("running_var")] private readonly Tensor _runningVar;
    [StateName("num_batches_tracked")] private readonly Tensor _numBatchesTracked;

    private protected BatchNorm(long features, double eps, double momentum, bool affine, int[] inputDims, Device? device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eps);
        NumFeatures = features;
        Eps = eps;
        Momentum = momentum;
        InputDims = inputDims;
        var d = device ?? Device.Cpu;
        if (affine)
        {
            using var scope = DisposeScope.Enter();
            weight = new Parameter(Tensor.Ones([features], device: d));
            bias = new Parameter(Tensor.Zeros([features], device: d));
        }
        _runningMean = Tensor.Zeros([features], device: d).DetachFromDisposeScope();
        _runningVar = Tensor.Ones([features], device: d).DetachFromDisposeScope();
        _numBatchesTracked = Tensor.Zeros([], ScalarType.Int64, d).DetachFromDisposeScope();
    }

    private int[] InputDims { get; }

    /// <summary>Number of channels.</summary>
    public long NumFeatures { get; }

    /// <summary>ε added to the variance.</summary>
    public double Eps { get; }

    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public double Momentum { get; }

    /// <summary>The (features) scale γ, or null without affine parameters.</summary>
    public Parameter? Weight => weight;

    /// <summary>The (features) shift β, or null without affine parameters.</summary>
    public Parameter? Bias => bias;

    /// <summary>The running mean buffer.</summary>
    public Tensor RunningMean => _runningMean;

    /// <summary>The running variance buffer.</summary>
    public Tensor RunningVar => _runningVar;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        int dim = input.Dim;
        if (Array.IndexOf(InputDims, dim) < 0)
            throw new ArgumentException($"{GetType().Name} expects a {string.Join(" or ", InputDims)}-D input, got {dim}-D.", nameof(input));
        if (Training)
        {
            using var noGrad = Engine.NoGrad();
            using var next = _numBatchesTracked + 1;
            _numBatchesTracked.CopyFrom(next);
        }
        return F.BatchNorm(input, _runningMean, _runningVar, weight, bias, Training, Momentum, Eps);
    }
}

/// <summary>Batch norm for (N, C) or (N, C, L) inputs.</summary>
public sealed class BatchNorm1d(long features, double eps = 1e-5, double momentum = 0.1, bool affine = true, Device? device = null)
    : BatchNorm(features, eps, momentum, affine, [2, 3], device);

/// <summary>Batch norm for (N, C, H, W) inputs.</summary>
public sealed class BatchNorm2d(long features, double eps = 1e-5, double momentum = 0.1, bool affine = true, Device? device = null)
    : BatchNorm(features, eps, momentum, affine, [4], device);

/// <summary>Group normalisation: channels split into groups, each normalised over (C/G, H, W),
/// then a per-channel affine transform. Independent of batch size.</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    private readonly Parameter? weight;
    private readonly Parameter? bias;
    private readonly long _groups;
    private readonly double _eps;

    /// <summary>Creates the layer; <paramref name="groups"/> must divide <paramref name="channels"/>.</summary>
    public GroupNorm(long groups, long channels, double eps = 1e-5, bool affine = true, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        if (channels % groups != 0)
            throw new ArgumentException($"groups ({groups}) must divide channels ({channels}).", nameof(groups));
        (_groups, _eps) = (groups, eps);
        if (!affine) return;
        using var scope = DisposeScope.Enter();
        weight = new Parameter(Tensor.Ones([channels], device: device));
        bias = new Parameter(Tensor.Zeros([channels], device: device));
    }

    /// <summary>The number of groups.</summary>
    public long Groups => _groups;

    /// <summary>ε added to the variance.</summary>
    public double Eps => _eps;

    /// <summary>The (channels) scale γ, or null without affine parameters.</summary>
    public Parameter? Weight => weight;

    /// <summary>The (channels) shift β, or null without affine parameters.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.GroupNorm(input, _groups, weight, bias, _eps);
}

/// <summary>Layer normalisation over the trailing dimensions <c>normalizedShape</c>.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    private readonly Parameter? weight;
    private readonly Parameter? bias;
    private readonly long[] _shape;
    private readonly double _eps;

    /// <summary>Creates the layer (γ = 1, β = 0).</summary>
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool hasBias = true, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        (_shape, _eps) = (normalizedShape, eps);
        if (!elementwiseAffine) return;
        using var scope = DisposeScope.Enter();
        weight = new Parameter(Tensor.Ones(normalizedShape, device: device));
        bias = hasBias ? new Parameter(Tensor.Zeros(normalizedShape, device: device)) : null;
    }

    /// <summary>Normalises over the last dimension of size <paramref name="features"/>.</summary>
    public LayerNorm(long features, double eps = 1e-5, bool elementwiseAffine = true, bool hasBias = true, Device? device = null)
        : this([features], eps, elementwiseAffine, hasBias, device) { }

    /// <summary>ε added to the variance.</summary>
    public double Eps => _eps;

    /// <summary>The trailing dimensions normalised over.</summary>
    public IReadOnlyList<long> NormalizedShape => _shape;

    /// <summary>The scale γ, or null without affine parameters.</summary>
    public Parameter? Weight => weight;

    /// <summary>The shift β, or null without one.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.LayerNorm(input, _shape, weight, bias, _eps);

    /// <summary>The residual sum <c>input + delta</c> and this layer applied to it, through
    /// <see cref="F.AddLayerNorm"/> (one fused pass on the CPU): how a pre-LayerNorm transformer
    /// closes one sublayer and opens the next.</summary>
    /// <exception cref="InvalidOperationException">The layer normalises over more than the last dimension.</exception>
    public (Tensor Sum, Tensor Normalized) Forward(Tensor input, Tensor delta)
    {
        if (_shape.Length != 1)
            throw new InvalidOperationException($"A fused residual LayerNorm normalises over the last dimension only; this one normalises over [{string.Join(", ", _shape)}].");
        return F.AddLayerNorm(input, delta, weight, bias, _eps);
    }
}
