using Aigc.Torch.Native;
using Aigc.Torch.Nn;

namespace Aigc.Torch.Optim;

/// <summary>Gradient clipping.</summary>
public static class GradClip
{
    /// <summary>Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)), where ‖g‖ is the p-norm of
    /// every gradient taken together. Returns ‖g‖ before clipping (useful to log).</summary>
    public static double ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm, double normType = 2)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "max norm must be > 0");
        var list = parameters.ToList();
        var handles = list.Select(p => p.Handle.DangerousGetHandle()).ToArray();
        NativeStatus.Check(AutogradNative.Optim_clip_grad_norm(handles, handles.Length, maxNorm, normType, out double total));
        GC.KeepAlive(list);
        return total;
    }
}
