using Aigc.Torch.Native;
using Aigc.Torch.Nn;

namespace Aigc.Torch.Distributed;

/// <summary>
/// Averages an optimiser's gradients over a group while backward runs (src/native/src/gradient_reducer.cpp):
/// hooks on the parameters' gradient accumulators start each bucket's all-reduce as soon as its
/// gradients are all there. <see cref="Arm"/> before backward (the optimiser's zero-grad does it),
/// <see cref="Finish"/> before the gradients are read.
/// </summary>
internal sealed class GradientReducer : IDisposable
{
    private readonly ProcessGroup _group;
    private readonly IReadOnlyList<Parameter> _parameters;
    private IntPtr _handle;

    public GradientReducer(ProcessGroup group, IReadOnlyList<Parameter> parameters, long bucketBytes)
    {
        (_group, _parameters) = (group, parameters);
        _group.Call(() => DistributedNative.Dist_reducer_new(_group.Live(), ProcessGroup.Handles(parameters), parameters.Count, bucketBytes, out _handle), parameters);
    }

    /// <summary>The group it reduces over.</summary>
    public ProcessGroup Group => _group;

    /// <summary>Starts a step: gradients arriving from now on are reduced as they come.</summary>
    public void Arm() => _group.Call<Parameter>(() => DistributedNative.Dist_reducer_arm(Live()), _parameters);

    /// <summary>Waits for every bucket and leaves the averages in the parameters' gradients.</summary>
    public void Finish() => _group.Call<Parameter>(() => DistributedNative.Dist_reducer_finish(Live()), _parameters);

    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) DistributedNative.Dist_reducer_free(h);
        GC.KeepAlive(_parameters);
    }

    private IntPtr Live()
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        return _handle;
    }
}
