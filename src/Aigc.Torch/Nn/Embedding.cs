namespace Aigc.Torch.Nn;

/// <summary>A lookup table: Int64 indices (...) → vectors (..., dim). Weight (count, dim),
/// initialised N(0, 1) as in PyTorch, with the padding row zeroed and never updated.</summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly long _paddingIdx;

    /// <summary>Creates the table.</summary>
    public Embedding(long count, long dim, long? paddingIdx = null, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        if (paddingIdx is { } p && (p < 0 || p >= count))
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), p, $"padding index must be in [0, {count})");
        _paddingIdx = paddingIdx ?? -1;
        using var scope = DisposeScope.Enter();
        weight = new Parameter(Tensor.Randn([count, dim], device: device));
        if (paddingIdx is { } pad)
        {
            using var noGrad = Engine.NoGrad();
            weight.Select(0, pad).Fill_(0);
        }
    }

    /// <summary>The (count, dim) table.</summary>
    public Parameter Weight => weight;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.Embedding(input, weight, _paddingIdx);
}

/// <summary>Randomly zeroes elements with probability p during training (scaling the rest by 1/(1-p)).</summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public Dropout(double p = 0.5)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        P = p;
    }

    /// <summary>The drop probability.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.Dropout(input, P, Training);
}
