using System.Collections;

namespace Aigc.Torch.Nn;

/// <summary>Runs modules one after another; state keys are the positions ("0.weight", ...).</summary>
public sealed class Sequential : Module<Tensor, Tensor>, IEnumerable<Module<Tensor, Tensor>>
{
    private readonly List<Module<Tensor, Tensor>> _layers;

    /// <summary>Creates the chain.</summary>
    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = [.. layers];
    }

    /// <summary>The number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <summary>Appends a layer.</summary>
    public void Add(Module<Tensor, Tensor> layer) => _layers.Add(layer ?? throw new ArgumentNullException(nameof(layer)));

    /// <inheritdoc />
    protected override IEnumerable<(string Name, object? Value)> Components() =>
        _layers.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), (object?)m));

    /// <summary>Runs the layers; intermediate results are disposed as soon as the next exists.</summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            var y = layer.Forward(x);
            // Autograd keeps what backward needs inside libtorch; our handle is only a reference.
            if (!ReferenceEquals(x, input) && !ReferenceEquals(x, y)) x.Dispose();
            x = y;
        }
        return x;
    }

    /// <inheritdoc />
    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A list of submodules whose state keys are their positions ("0.", "1.", ...).</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items;

    /// <summary>Creates the list.</summary>
    public ModuleList(IEnumerable<T> items) => _items = [.. items];

    /// <inheritdoc />
    public T this[int index] => _items[index];

    /// <inheritdoc />
    public int Count => _items.Count;

    /// <inheritdoc />
    protected override IEnumerable<(string Name, object? Value)> Components() =>
        _items.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), (object?)m));

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
