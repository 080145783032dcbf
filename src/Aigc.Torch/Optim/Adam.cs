using Aigc.Torch.Native;
using Aigc.Torch.Nn;

namespace Aigc.Torch.Optim;

/// <summary>
/// Adam: m ← β₁m + (1-β₁)g; v ← β₂v + (1-β₂)g²; θ ← θ - lr/(1-β₁ᵗ) · m / (√v/√(1-β₂ᵗ) + ε).
/// Weight decay is L2 (added to g) here and decoupled (θ ← θ(1 - lr·λ)) in <see cref="AdamW"/>.
/// </summary>
public class Adam : Optimizer
{
    private readonly Tensor[][] _expAvg;
    private readonly Tensor[][] _expAvgSq;
    private readonly bool _decoupled;

    /// <summary>Creates the optimiser over all <paramref name="parameters"/>.</summary>
    public Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0)
        : this(Single(parameters), learningRate, beta1, beta2, eps, weightDecay, decoupled: false) { }

    /// <summary>Creates the optimiser over parameter groups.</summary>
    public Adam(IEnumerable<ParamGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0)
        : this(groups, learningRate, beta1, beta2, eps, weightDecay, decoupled: false) { }

    private protected Adam(IEnumerable<ParamGroup> groups, double learningRate, double beta1, double beta2, double eps,
        double weightDecay, bool decoupled)
        : base(groups, learningRate, weightDecay)
    {
        if (!(beta1 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (!(beta2 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be >= 0");
        (Beta1, Beta2, Eps, _decoupled) = (beta1, beta2, eps, decoupled);
        _expAvg = Groups.Select(g => g.Parameters.Select(ZerosLike).ToArray()).ToArray();
        _expAvgSq = Groups.Select(g => g.Parameters.Select(ZerosLike).ToArray()).ToArray();
    }

    private static Tensor ZerosLike(Parameter p) => Tensor.Zeros(p.Shape, p.DType, p.Device).DetachFromDisposeScope();

    /// <summary>β₁, the first-moment decay.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the second-moment decay.</summary>
    public double Beta2 { get; }

    /// <summary>ε in the denominator.</summary>
    public double Eps { get; }

    /// <inheritdoc />
    protected override void StepGroup(int index, ParamGroup group, IntPtr[] handles)
    {
        var m = _expAvg[index];
        var v = _expAvgSq[index];
        var mh = m.Select(t => t.Handle.DangerousGetHandle()).ToArray();
        var vh = v.Select(t => t.Handle.DangerousGetHandle()).ToArray();
        NativeStatus.Check(AutogradNative.Optim_adam_step(handles, mh, vh, handles.Length, StepCount, group.LearningRate,
            Beta1, Beta2, Eps, group.WeightDecay, _decoupled ? 1 : 0));
        GC.KeepAlive(m);
        GC.KeepAlive(v);
    }

    /// <inheritdoc />
    protected override IEnumerable<(string Key, Tensor Value)> StateTensors()
    {
        for (int g = 0; g < _expAvg.Length; g++)
            for (int p = 0; p < _expAvg[g].Length; p++)
            {
                yield return ($"{g}.{p}.exp_avg", _expAvg[g][p]);
                yield return ($"{g}.{p}.exp_avg_sq", _expAvgSq[g][p]);
            }
    }

    /// <inheritdoc />
    protected override bool RestoreStateTensor(string key, Tensor value)
    {
        if (TryParseKey(key, "exp_avg", out int g, out int p))
            _expAvg[g][p] = AdoptState(_expAvg[g][p], value, Groups[g].Parameters[p]);
        else if (TryParseKey(key, "exp_avg_sq", out g, out p))
            _expAvgSq[g][p] = AdoptState(_expAvgSq[g][p], value, Groups[g].Parameters[p]);
        else
            return false;
        return true;
    }
}

/// <summary>Adam with decoupled weight decay (Loshchilov and Hutter): θ ← θ(1 - lr·λ) before the
/// Adam update. PyTorch's default λ = 0.01.</summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimiser over all <paramref name="parameters"/>.</summary>
    public AdamW(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01)
        : base(Single(parameters), learningRate, beta1, beta2, eps, weightDecay, decoupled: true) { }

    /// <summary>Creates the optimiser over parameter groups (e.g. no decay for biases and norms).</summary>
    public AdamW(IEnumerable<ParamGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01)
        : base(groups, learningRate, beta1, beta2, eps, weightDecay, decoupled: true) { }
}
