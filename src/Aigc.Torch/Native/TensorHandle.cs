using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>Owns one native <c>at::Tensor*</c>; releasing it frees the handle (not necessarily the
/// storage, which libtorch reference-counts).</summary>
internal sealed class TensorHandle : SafeHandle
{
    private static long s_live;

    /// <summary>A handle standing for "no tensor" in optional arguments; marshals as NULL.</summary>
    internal static readonly TensorHandle Null = new(IntPtr.Zero, ownsHandle: false);

    public TensorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal TensorHandle(IntPtr handle, bool ownsHandle = true) : base(IntPtr.Zero, ownsHandle)
    {
        SetHandle(handle);
        if (ownsHandle && handle != IntPtr.Zero) Interlocked.Increment(ref s_live);
    }

    /// <summary>Native tensor handles created and not yet released, process-wide.</summary>
    internal static long LiveCount => Interlocked.Read(ref s_live);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        TensorNative.Tensor_free(handle);
        Interlocked.Decrement(ref s_live);
        return true;
    }
}
