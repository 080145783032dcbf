using Aigc.Torch.Native;

namespace Aigc.Torch;

// Factories and joins: Tensor.Zeros(...), Tensor.Cat(...), in the spirit of torch.zeros, torch.cat.
public partial class Tensor
{
    private static long[] CheckShape(long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (var s in shape)
            if (s < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"negative size {s} in shape [{string.Join(", ", shape)}]");
        return shape;
    }

    private static Tensor Factory(int kind, long[] shape, ScalarType dtype, Device? device)
    {
        var d = device ?? Device.Cpu;
        return Wrap(TensorNative.Tensor_factory(kind, CheckShape(shape), shape.Length, (int)dtype, (int)d.Type, d.Index, out var r), r);
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
        return Wrap(TensorNative.Tensor_full(CheckShape(shape), shape.Length, value, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>Integers drawn uniformly from [low, high).</summary>
    public static Tensor RandInt(long low, long high, long[] shape, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        if (high <= low) throw new ArgumentOutOfRangeException(nameof(high), $"high ({high}) must exceed low ({low})");
        var d = device ?? Device.Cpu;
        return Wrap(TensorNative.Tensor_randint(low, high, CheckShape(shape), shape.Length, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>start, start+step, ... below end.</summary>
    public static Tensor Arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        if (step == 0) throw new ArgumentOutOfRangeException(nameof(step), "step must not be zero");
        var d = device ?? Device.Cpu;
        return Wrap(TensorNative.Tensor_arange(start, end, step, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>0, 1, ..., end-1 as Int64.</summary>
    public static Tensor Arange(long end) => Arange(0, end);

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(double start, double end, long steps, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var d = device ?? Device.Cpu;
        return Wrap(TensorNative.Tensor_linspace(start, end, steps, (int)dtype, (int)d.Type, d.Index, out var r), r);
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
        foreach (var s in CheckShape(shape)) count *= s;
        if (count * dtype.ElementSize() != bytes.Length)
            throw new ArgumentException($"{bytes.Length} bytes do not fill a {dtype} tensor of shape [{string.Join(", ", shape)}] ({count * dtype.ElementSize()} bytes).", nameof(bytes));
        fixed (byte* p = bytes)
            return Wrap(TensorNative.Tensor_from_data(p, bytes.Length, shape, shape.Length, (int)dtype, out var r), r);
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
        var result = Wrap(ShapeNative.Shape_join(handles, handles.Length, dim, kind, out var r), r);
        GC.KeepAlive(tensors);
        return result;
    }

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is true, else of <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) =>
        Wrap(OpsNative.Ops_where(condition.Handle, a.Handle, b.Handle, out var r), r);
}
