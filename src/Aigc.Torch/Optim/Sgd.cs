using Aigc.Torch.Native;
using Aigc.Torch.Nn;

namespace Aigc.Torch.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay:
/// g ← ∇ + λθ; b ← μb + (1 - τ)g (b = g on the first step); θ ← θ - lr·(nesterov ? g + μb : b).
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor?[][] _buffers;

    /// <summary>Creates the optimiser over all <paramref name="parameters"/>.</summary>
    public Sgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : this(Single(parameters), learningRate, momentum, dampening, weightDecay, nesterov) { }

    /// <summary>Creates the optimiser over parameter groups.</summary>
    public Sgd(IEnumerable<ParamGroup> groups, double learningRate, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(groups, learningRate, weightDecay)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be >= 0");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum needs momentum > 0 and dampening 0.", nameof(nesterov));
        (Momentum, Dampening, Nesterov) = (momentum, dampening, nesterov);
        _buffers = Groups.Select(g => new Tensor?[g.Parameters.Count]).ToArray();
    }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>τ.</summary>
    public double Dampening { get; }

    /// <summary>Whether the Nesterov form is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override void StepGroup(int index, ParamGroup group, IntPtr[] handles)
    {
        var bufs = _buffers[index];
        var bufHandles = bufs.Select(b => b?.Handle.DangerousGetHandle() ?? IntPtr.Zero).ToArray();
        var created = new IntPtr[handles.Length];
        NativeStatus.Check(AutogradNative.Optim_sgd_step(handles, bufHandles, created, handles.Length,
            group.LearningRate, Momentum, Dampening, group.WeightDecay, Nesterov ? 1 : 0));
        GC.KeepAlive(bufs);
        for (int i = 0; i < created.Length; i++)
            if (created[i] != IntPtr.Zero) bufs[i] = new Tensor(created[i]).DetachFromDisposeScope();
    }

    /// <inheritdoc />
    protected override IEnumerable<(string Key, Tensor Value)> StateTensors()
    {
        for (int g = 0; g < _buffers.Length; g++)
            for (int p = 0; p < _buffers[g].Length; p++)
                if (_buffers[g][p] is { } b) yield return ($"{g}.{p}.momentum_buffer", b);
    }

    /// <inheritdoc />
    protected override bool RestoreStateTensor(string key, Tensor value)
    {
        if (!TryParseKey(key, "momentum_buffer", out int g, out int p)) return false;
        _buffers[g][p] = AdoptState(_buffers[g][p], value, Groups[g].Parameters[p]);
        return true;
    }
}
