using System.Text;
using Aigc.Torch.Native;

namespace Aigc.Torch;

/// <summary>
/// The engine's entry points, in the spirit of the <c>torch</c> module: tensor factories, joins,
/// seeding, threads, and the autograd/precision scopes.
/// </summary>
public static class Torch
{
    private static long[] Shape(long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (var s in shape)
            if (s < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"negative size {s} in shape [{string.Join(", ", shape)}]");
        return shape;
    }

    private static Tensor Factory(int kind, long[] shape, ScalarType dtype, Device? device)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(TensorNative.Tensor_factory(kind, Shape(shape), shape.Length, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => Factory(0, shape, dtype, device);
    /// <summary>A float32 CPU tensor of zeros.</summary>
    public static Tensor Zeros(params long[] shape) => Factory(0, shape, ScalarType.Float32, null);
    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => Factory(1, shape, dtype, device);
    /// <summary>A float32 CPU tensor of ones.</summary>
    public static Tensor Ones(params long[] shape) => Factory(1, shape, ScalarType.Float32, null);
    /// <summary>An uninitialised tensor (contents are whatever memory held).</summary>
    public static Tensor Empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => Factory(2, shape, dtype, device);
    /// <summary>Samples of U[0, 1).</summary>
    public static Tensor Rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => Factory(3, shape, dtype, device);
    /// <summary>Float32 CPU samples of U[0, 1).</summary>
    public static Tensor Rand(params long[] shape) => Factory(3, shape, ScalarType.Float32, null);
    /// <summary>Samples of N(0, 1).</summary>
    public static Tensor Randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => Factory(4, shape, dtype, device);
    /// <summary>Float32 CPU samples of N(0, 1).</summary>
    public static Tensor Randn(params long[] shape) => Factory(4, shape, ScalarType.Float32, null);

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(TensorNative.Tensor_full(Shape(shape), shape.Length, value, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>Integers drawn uniformly from [low, high).</summary>
    public static Tensor RandInt(long low, long high, long[] shape, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        if (high <= low) throw new ArgumentOutOfRangeException(nameof(high), $"high ({high}) must exceed low ({low})");
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(TensorNative.Tensor_randint(low, high, Shape(shape), shape.Length, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>start, start+step, ... below end.</summary>
    public static Tensor Arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        if (step == 0) throw new ArgumentOutOfRangeException(nameof(step), "step must not be zero");
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(TensorNative.Tensor_arange(start, end, step, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>0, 1, ..., end-1 as Int64.</summary>
    public static Tensor Arange(long end) => Arange(0, end);

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(double start, double end, long steps, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(TensorNative.Tensor_linspace(start, end, steps, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>A CPU tensor holding a copy of <paramref name="data"/> with the given shape
    /// (a 1-D tensor when no shape is given).</summary>
    public static Tensor FromArray<T>(ReadOnlySpan<T> data, params long[] shape) where T : unmanaged
    {
        if (shape.Length == 0) shape = [data.Length];
        return FromBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data), ScalarTypes.Of<T>(), shape);
    }

    /// <summary>A CPU tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    public static Tensor FromArray<T>(T[] data, params long[] shape) where T : unmanaged =>
        FromArray<T>(data.AsSpan(), shape);

    /// <summary>A one-element (0-D) CPU tensor.</summary>
    public static Tensor Scalar(double value, ScalarType dtype = ScalarType.Float32) => Full([], value, dtype);

    /// <summary>A CPU tensor whose elements are the raw little-endian bytes given (any dtype,
    /// including bfloat16 and float16).</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType dtype, params long[] shape)
    {
        long count = 1;
        foreach (var s in Shape(shape)) count *= s;
        if (count * dtype.ElementSize() != bytes.Length)
            throw new ArgumentException($"{bytes.Length} bytes do not fill a {dtype} tensor of shape [{string.Join(", ", shape)}] ({count * dtype.ElementSize()} bytes).", nameof(bytes));
        fixed (byte* p = bytes)
            return Tensor.Wrap(TensorNative.Tensor_from_data(p, bytes.Length, shape, shape.Length, (int)dtype, out var r), r);
    }

    /// <summary>Joins tensors along an existing dimension.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, 0);

    /// <summary>Joins same-shaped tensors along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, 1);

    private static Tensor Join(IReadOnlyList<Tensor> tensors, long dim, int kind)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Expected at least one tensor.", nameof(tensors));
        var handles = new IntPtr[tensors.Count];
        for (int i = 0; i < handles.Length; i++) handles[i] = tensors[i].Handle.DangerousGetHandle();
        var result = Tensor.Wrap(ShapeNative.Shape_join(handles, handles.Length, dim, kind, out var r), r);
        GC.KeepAlive(tensors);
        return result;
    }

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is true, else of <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) =>
        Tensor.Wrap(OpsNative.Ops_where(condition.Handle, a.Handle, b.Handle, out var r), r);

    /// <summary>Seeds every generator (CPU and all CUDA devices). Same seed, same CPU results.</summary>
    public static void ManualSeed(ulong seed) => NativeStatus.Check(EngineNative.Engine_manual_seed(seed));

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
