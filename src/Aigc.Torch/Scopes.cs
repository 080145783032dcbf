using Aigc.Torch.Native;

namespace Aigc.Torch;

/// <summary>Sets autograd recording on or off for this thread; disposing restores the previous state.</summary>
public sealed class GradModeScope : IDisposable
{
    private readonly int _previous;
    private bool _disposed;

    internal GradModeScope(bool enabled) =>
        NativeStatus.Check(EngineNative.Engine_set_grad_enabled(enabled ? 1 : 0, out _previous));

    /// <summary>Restores the previous grad mode.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeStatus.Check(EngineNative.Engine_set_grad_enabled(_previous, out _));
    }
}

/// <summary>libtorch's inference mode for this thread; dispose on the same thread.</summary>
public sealed class InferenceModeScope : IDisposable
{
    private IntPtr _guard;

    internal InferenceModeScope() => NativeStatus.Check(EngineNative.Engine_inference_mode_enter(out _guard));

    /// <summary>Leaves inference mode.</summary>
    public void Dispose()
    {
        if (_guard == IntPtr.Zero) return;
        var g = _guard;
        _guard = IntPtr.Zero;
        NativeStatus.Check(EngineNative.Engine_inference_mode_exit(g));
    }
}

/// <summary>CUDA autocast to a lower precision; disposing restores the previous state.</summary>
public sealed class AutocastScope : IDisposable
{
    private readonly int _previous;
    private bool _disposed;

    internal AutocastScope(ScalarType dtype)
    {
        if (dtype is not (ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "autocast runs in Float16 or BFloat16");
        NativeStatus.Check(EngineNative.Engine_autocast_enter((int)dtype, out _previous));
    }

    /// <summary>Leaves the autocast region.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeStatus.Check(EngineNative.Engine_autocast_exit(_previous));
    }
}
