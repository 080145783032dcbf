using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>Mirrors src/native/src/engine.cpp and errors.cpp.</summary>
internal static partial class EngineNative
{
    internal const string Lib = "aigc_torch";

    [LibraryImport(Lib)] internal static partial int Engine_abi_version();
    [LibraryImport(Lib)] internal static partial IntPtr Engine_last_error();
    [LibraryImport(Lib)] internal static unsafe partial int Engine_torch_version(byte* buf, int capacity);
    [LibraryImport(Lib)] internal static partial int Engine_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int Engine_get_num_threads(out int n);
    [LibraryImport(Lib)] internal static partial int Engine_set_blas_threads(int n, out int applied);
    [LibraryImport(Lib)] internal static partial int Engine_blas_threading(out int kind);
    [LibraryImport(Lib)] internal static partial int Engine_tune_malloc(long mmapThreshold, long trimThreshold, out int applied);
    [LibraryImport(Lib)] internal static partial int Engine_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial int Engine_get_rng_state(out IntPtr state);
    [LibraryImport(Lib)] internal static partial int Engine_set_rng_state(TensorHandle state);
    [LibraryImport(Lib)] internal static partial int Engine_cuda_device_count(out int count);
    [LibraryImport(Lib)] internal static partial int Engine_cuda_synchronize(int device);
    [LibraryImport(Lib)] internal static partial int Engine_set_tf32(int enabled);
    [LibraryImport(Lib)] internal static partial int Engine_is_grad_enabled(out int enabled);
    [LibraryImport(Lib)] internal static partial int Engine_set_grad_enabled(int enabled, out int previous);
    [LibraryImport(Lib)] internal static partial int Engine_inference_mode_enter(out IntPtr guard);
    [LibraryImport(Lib)] internal static partial int Engine_inference_mode_exit(IntPtr guard);
    [LibraryImport(Lib)] internal static partial int Engine_has_fused_attention();
    [LibraryImport(Lib)] internal static partial int Engine_autocast_enter(int dtype, out int previous);
    [LibraryImport(Lib)] internal static partial int Engine_autocast_exit(int previous);
}
