using System.Globalization;
using Aigc.Torch.Onnx;

namespace Aigc.Torch.Nn;

/// <summary>
/// A stacked, unidirectional, batch-first LSTM, laid out as PyTorch's <c>nn.LSTM(batch_first=True)</c>:
/// state keys <c>weight_ih_l{k}</c> (4H, in), <c>weight_hh_l{k}</c> (4H, H), <c>bias_ih_l{k}</c> and
/// <c>bias_hh_l{k}</c> (4H), gates in the order input, forget, cell, output, so weights map across.
/// Initialised U(-1/√H, 1/√H) as PyTorch does.
/// </summary>
public sealed class Lstm : Module
{
    private readonly Parameter[] _parameters;

    /// <summary>Creates the layers.</summary>
    /// <param name="inputSize">Features per time step of the input.</param>
    /// <param name="hiddenSize">H, the state size of every layer.</param>
    /// <param name="layers">Stacked layers.</param>
    /// <param name="dropout">Dropout on the outputs of every layer but the last, in training.</param>
    /// <param name="device">Where the weights live.</param>
    public Lstm(long inputSize, long hiddenSize, int layers = 1, double dropout = 0, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        if (dropout is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout probability must be in [0, 1]");
        (InputSize, HiddenSize, Layers, Dropout) = (inputSize, hiddenSize, layers, dropout);
        double bound = 1.0 / Math.Sqrt(hiddenSize);
        using var scope = DisposeScope.Enter();
        using var noGrad = Engine.NoGrad();
        _parameters = new Parameter[4 * layers];
        for (int k = 0; k < layers; k++)
        {
            long input = k == 0 ? inputSize : hiddenSize;
            long[][] shapes = [[4 * hiddenSize, input], [4 * hiddenSize, hiddenSize], [4 * hiddenSize], [4 * hiddenSize]];
            for (int j = 0; j < 4; j++)
                _parameters[4 * k + j] = new Parameter(Tensor.Empty(shapes[j], device: device).Uniform_(-bound, bound));
        }
    }

    /// <summary>Features per input step.</summary>
    public long InputSize { get; }

    /// <summary>State size.</summary>
    public long HiddenSize { get; }

    /// <summary>Stacked layers.</summary>
    public int Layers { get; }

    /// <summary>Dropout between layers in training.</summary>
    public double Dropout { get; }

    /// <inheritdoc />
    protected override IEnumerable<(string Name, object? Value)> Components()
    {
        string[] names = ["weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"];
        for (int i = 0; i < _parameters.Length; i++)
            yield return (names[i % 4] + (i / 4).ToString(CultureInfo.InvariantCulture), _parameters[i]);
    }

    /// <summary>Runs the sequence (B, T, in) from <paramref name="state"/> (each (layers, B, H); null
    /// for zeros) and returns the outputs (B, T, H) with the final state, which continues the sequence
    /// when passed back in.</summary>
    public (Tensor Output, (Tensor Hidden, Tensor Cell) State) Forward(Tensor input, (Tensor Hidden, Tensor Cell)? state = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var s = input.Shape;
        if (s.Length != 3 || s[2] != InputSize)
            throw new ArgumentException($"Expected input (B, T, {InputSize}), got [{string.Join(", ", s)}].", nameof(input));
        var (o, h, c) = F.Lstm(input, _parameters, Layers, state?.Hidden, state?.Cell, Dropout, Training);
        return (o, (h, c));
    }

    /// <summary>The layers as ONNX LSTM nodes (one per layer). ONNX orders the gates input, output,
    /// forget, cell where PyTorch has input, forget, cell, output, so the weight blocks are reordered.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="input">(T, B, in), time first.</param>
    /// <param name="hidden">(layers, B, H) starting hidden state.</param>
    /// <param name="cell">(layers, B, H) starting cell state.</param>
    /// <param name="prefix">The module's state-dict key.</param>
    /// <returns>The outputs (T, B, H) and the final states (layers, B, H).</returns>
    public (string Output, string Hidden, string Cell) ExportOnnx(OnnxGraph g, string input, string hidden, string cell, string prefix)
    {
        ArgumentNullException.ThrowIfNull(g);
        var (hs, cs) = (new List<string>(), new List<string>());
        var x = input;
        using var scope = DisposeScope.Enter();
        for (int k = 0; k < Layers; k++)
        {
            Tensor Reorder(Tensor t) { var q = t.Detach().Chunk(4, 0); return Tensor.Cat([q[0], q[3], q[1], q[2]], 0); }
            var w = g.Initializer($"{prefix}.W_l{k}", Reorder(_parameters[4 * k]).Unsqueeze(0));                  // (1, 4H, in)
            var r = g.Initializer($"{prefix}.R_l{k}", Reorder(_parameters[4 * k + 1]).Unsqueeze(0));              // (1, 4H, H)
            var b = g.Initializer($"{prefix}.B_l{k}", Tensor.Cat([Reorder(_parameters[4 * k + 2]), Reorder(_parameters[4 * k + 3])], 0).Unsqueeze(0)); // (1, 8H)
            string Layer(string state) => g.Op("Slice", [state, g.Ints(k), g.Ints(k + 1), g.Ints(0)]);            // (1, B, H)
            var outs = g.Op("LSTM", [x, w, r, b, "", Layer(hidden), Layer(cell)], 3, OnnxAttribute.Int("hidden_size", HiddenSize));
            x = g.Op("Squeeze", [outs[0], g.Ints(1)]);                                                              // (T, B, H)
            hs.Add(outs[1]);
            cs.Add(outs[2]);
        }
        var axis = OnnxAttribute.Int("axis", 0);
        return (x, hs.Count == 1 ? hs[0] : g.Op("Concat", hs, axis), cs.Count == 1 ? cs[0] : g.Op("Concat", cs, axis));
    }
}
