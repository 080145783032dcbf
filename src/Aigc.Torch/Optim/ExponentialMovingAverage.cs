using Aigc.Torch.Native;
using Aigc.Torch.Nn;

namespace Aigc.Torch.Optim;

/// <summary>
/// An exponential moving average of a module's parameters (as diffusion models sample with):
/// after each optimiser step, shadow ← d·shadow + (1 − d)·θ with d = min(decay, (1 + n) / (10 + n))
/// at update n, so the average follows the weights closely early in training. Buffers (e.g. batch
/// statistics) are copied as they are. <see cref="CopyTo"/> writes the average into a module of the
/// same architecture.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly Module _module;
    private readonly (string Name, Parameter Parameter)[] _parameters;
    private readonly Dictionary<string, Tensor> _shadow;

    /// <summary>Starts the average at the module's current weights.</summary>
    public ExponentialMovingAverage(Module module, double decay = 0.999)
    {
        _module = module ?? throw new ArgumentNullException(nameof(module));
        if (!(decay is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "must be in [0, 1]");
        Decay = decay;
        _parameters = module.NamedParameters().ToArray();
        using var noGrad = Engine.NoGrad();
        _shadow = _parameters.ToDictionary(p => p.Name, p => p.Parameter.Detach().Clone().DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    /// <summary>The largest decay used.</summary>
    public double Decay { get; }

    /// <summary>Updates done.</summary>
    public long Updates { get; private set; }

    /// <summary>The decay the next update uses.</summary>
    public double CurrentDecay => Math.Min(Decay, (1.0 + Updates) / (10.0 + Updates));

    /// <summary>Folds the module's current parameters into the average.</summary>
    public void Update()
    {
        var shadows = _parameters.Select(p => _shadow[p.Name].Handle.DangerousGetHandle()).ToArray();
        var parameters = _parameters.Select(p => p.Parameter.Handle.DangerousGetHandle()).ToArray();
        NativeStatus.Check(AutogradNative.Optim_ema_update(shadows, parameters, shadows.Length, CurrentDecay));
        GC.KeepAlive(_parameters);
        GC.KeepAlive(_shadow);
        Updates++;
    }

    /// <summary>Writes the averaged parameters, and the tracked module's buffers, into <paramref name="target"/>.</summary>
    public void CopyTo(Module target)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var scope = DisposeScope.Enter();
        var state = new Dictionary<string, Tensor>(_shadow, StringComparer.Ordinal);
        foreach (var (name, buffer) in _module.NamedBuffers()) state[name] = buffer;
        target.LoadStateDict(state);
    }

    /// <summary>The averaged parameters and the update count, for checkpoints (new handles; dispose them).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = _shadow.ToDictionary(kv => kv.Key, kv => kv.Value.Alias().DetachFromDisposeScope(), StringComparer.Ordinal);
        state["__updates"] = Tensor.Full([], Updates, ScalarType.Int64).DetachFromDisposeScope();
        return state;
    }

    /// <summary>Restores what <see cref="StateDict"/> returned.</summary>
    /// <exception cref="ArgumentException">A parameter is missing or has another shape.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var noGrad = Engine.NoGrad();
        foreach (var (name, shadow) in _shadow)
        {
            if (!state.TryGetValue(name, out var source))
                throw new ArgumentException($"The EMA state has no '{name}'.", nameof(state));
            if (!source.Shape.SequenceEqual(shadow.Shape))
                throw new ArgumentException($"EMA '{name}' has shape [{string.Join(", ", source.Shape)}]; the module has [{string.Join(", ", shadow.Shape)}].", nameof(state));
            shadow.CopyFrom(source);
        }
        Updates = state.TryGetValue("__updates", out var u) ? u.ItemInt64() : 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _shadow.Values) t.Dispose();
    }
}
