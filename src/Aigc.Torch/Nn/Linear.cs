namespace Aigc.Torch.Nn;

/// <summary>y = x Wᵀ + b. Input (..., in), output (..., out); weight (out, in).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;

    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public Linear(long inFeatures, long outFeatures, bool hasBias = true, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        using var scope = DisposeScope.Enter();
        weight = new Parameter(Tensor.Empty([outFeatures, inFeatures], device: device));
        bias = hasBias ? new Parameter(Tensor.Empty([outFeatures], device: device)) : null;
        Init.DefaultLayer(weight, bias);
    }

    /// <summary>Input feature count.</summary>
    public long InFeatures { get; }

    /// <summary>Output feature count.</summary>
    public long OutFeatures { get; }

    /// <summary>The (out, in) weight.</summary>
    public Parameter Weight => weight;

    /// <summary>The (out) bias, if any.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.Linear(input, weight, bias);
}
