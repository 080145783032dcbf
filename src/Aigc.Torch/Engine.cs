using System.Text;
using Aigc.Torch.Native;

namespace Aigc.Torch;

/// <summary>
/// Process- and thread-wide engine settings: seeding, threads, the autograd and precision scopes,
/// and facts about the libtorch in use.
/// </summary>
public static class Engine
{
    /// <summary>Seeds every generator (CPU and all CUDA devices). Same seed, same CPU results.</summary>
    public static void ManualSeed(ulong seed) => NativeStatus.Check(EngineNative.Engine_manual_seed(seed));

    /// <summary>The CPU generator's state (a UInt8 tensor) — save it in a checkpoint to resume the
    /// exact random stream.</summary>
    public static Tensor GetRngState() => Tensor.Wrap(EngineNative.Engine_get_rng_state(out var r), r);

    /// <summary>Restores a state from <see cref="GetRngState"/>.</summary>
    /// <exception cref="TorchException">The tensor is not a valid generator state.</exception>
    public static void SetRngState(Tensor state)
    {
        ArgumentNullException.ThrowIfNull(state);
        NativeStatus.Check(EngineNative.Engine_set_rng_state(state.Handle));
    }

    /// <summary>libtorch's intra-op thread count (its OpenMP pool).</summary>
    public static int NumThreads
    {
        get
        {
            NativeStatus.Check(EngineNative.Engine_get_num_threads(out int n));
            return n;
        }
    }

    /// <summary>Sets libtorch's intra-op thread count.</summary>
    public static void SetNumThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        NativeStatus.Check(EngineNative.Engine_set_num_threads(threads));
    }

    /// <summary>Sets the BLAS library's own thread count (OpenBLAS). Returns false when the BLAS in
    /// use has no such setting.</summary>
    public static bool SetBlasThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        NativeStatus.Check(EngineNative.Engine_set_blas_threads(threads, out int applied));
        return applied != 0;
    }

    /// <summary>How the OpenBLAS behind libblas.so.3 runs its threads: -1 not OpenBLAS, 0 sequential,
    /// 1 its own pthreads pool (Debian's libopenblas0-pthread), 2 OpenMP (libopenblas0-openmp).</summary>
    public static int BlasThreading
    {
        get
        {
            NativeStatus.Check(EngineNative.Engine_blas_threading(out int kind));
            return kind;
        }
    }

    /// <summary>Raises glibc's malloc thresholds (see <see cref="ProcessTuning"/>).</summary>
    internal static void TuneMalloc(long mmapThreshold, long trimThreshold) =>
        NativeStatus.Check(EngineNative.Engine_tune_malloc(mmapThreshold, trimThreshold, out _));

    /// <summary>The libtorch version the native shim was compiled against, e.g. "1.13.0".</summary>
    public static unsafe string LibTorchVersion
    {
        get
        {
            var buf = stackalloc byte[64];
            NativeStatus.Check(EngineNative.Engine_torch_version(buf, 64));
            return Encoding.UTF8.GetString(new ReadOnlySpan<byte>(buf, 64)).TrimEnd('\0');
        }
    }

    /// <summary>True when attention uses libtorch's fused kernel (libtorch 2.0 and later).</summary>
    public static bool HasFusedAttention => EngineNative.Engine_has_fused_attention() != 0;

    /// <summary>Whether autograd currently records operations on this thread.</summary>
    public static bool IsGradEnabled
    {
        get
        {
            NativeStatus.Check(EngineNative.Engine_is_grad_enabled(out int e));
            return e != 0;
        }
    }

    /// <summary>Turns gradient recording off on this thread until disposed.</summary>
    public static GradModeScope NoGrad() => new(enabled: false);

    /// <summary>Turns gradient recording on (inside a no-grad region) until disposed.</summary>
    public static GradModeScope EnableGrad() => new(enabled: true);

    /// <summary>libtorch's inference mode: no autograd bookkeeping at all, faster than
    /// <see cref="NoGrad"/>; tensors made inside can never join a graph.</summary>
    public static InferenceModeScope InferenceMode() => new();

    /// <summary>CUDA mixed precision: eligible ops run in <paramref name="dtype"/> (Float16 or
    /// BFloat16) until disposed. No effect on CPU tensors.</summary>
    public static AutocastScope Autocast(ScalarType dtype = ScalarType.BFloat16) => new(dtype);

    /// <summary>Allows TF32 tensor-core math for float32 matmuls and convolutions on CUDA.</summary>
    public static void SetTf32(bool enabled) => NativeStatus.Check(EngineNative.Engine_set_tf32(enabled ? 1 : 0));

    /// <summary>Waits for all queued work on a CUDA device to finish (for timing).</summary>
    public static void CudaSynchronize(int device = 0) => NativeStatus.Check(EngineNative.Engine_cuda_synchronize(device));
}
