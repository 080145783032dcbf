using System.Runtime.InteropServices;
using Aigc.Torch.Native;

namespace Aigc.Torch;

/// <summary>
/// An n-dimensional array on the CPU or a CUDA GPU, backed by a libtorch tensor, with autograd.
/// Each instance owns one native handle: dispose it (or let a <see cref="DisposeScope"/> do so).
/// Several instances may share storage (views, <see cref="Nn.Parameter"/>s in a state dict).
/// </summary>
/// <remarks>The operations live in partial files by area: Tensor.Math.cs, Tensor.Shape.cs,
/// Tensor.Reductions.cs; factories are on <see cref="Engine"/>, nn kernels on <see cref="F"/>.</remarks>
public partial class Tensor : IDisposable
{
    private TensorHandle _handle;

    /// <summary>Wraps a handle the shim just returned; the new tensor joins the current scope.</summary>
    internal Tensor(IntPtr handle)
    {
        if (handle == IntPtr.Zero) throw new TorchException("libtorch returned no tensor.");
        _handle = new TensorHandle(handle);
        DisposeScope.Current?.Add(this);
    }

    /// <summary>Takes over another tensor's handle, leaving that tensor disposed.</summary>
    private protected Tensor(Tensor source)
    {
        _handle = source.TakeHandle();
    }

    internal DisposeScope? Scope { get; set; }

    /// <summary>Native tensor handles alive in this process (created and not yet disposed or
    /// finalized). Tests use it to prove a loop leaks nothing.</summary>
    public static long LiveCount => TensorHandle.LiveCount;

    internal TensorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>True once disposed; any further use throws <see cref="ObjectDisposedException"/>.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Frees the native handle. Disposing twice is harmless.</summary>
    public void Dispose()
    {
        _handle.Dispose();
        Scope = null;
        GC.SuppressFinalize(this);
    }

    private TensorHandle TakeHandle()
    {
        var h = Handle;
        _handle = new TensorHandle();
        _handle.SetHandleAsInvalid();
        _handle.Dispose();
        Scope = null;
        return h;
    }

    /// <summary>Swaps in a new native tensor (used by modules moving parameters between devices).</summary>
    internal void ReplaceWith(Tensor source)
    {
        var old = _handle;
        _handle = source.TakeHandle();
        old.Dispose();
    }

    /// <summary>Moves this tensor from its scope to the enclosing one (or to no scope).</summary>
    public Tensor MoveToOuterScope()
    {
        var outer = Scope?.Outer;
        Scope = null;
        outer?.Add(this);
        return this;
    }

    /// <summary>Removes this tensor from every scope: the caller now owns it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope = null;
        return this;
    }

    internal static Tensor Wrap(int status, IntPtr handle)
    {
        NativeStatus.Check(status);
        return new Tensor(handle);
    }

    // ---- metadata ----

    /// <summary>The number of dimensions.</summary>
    public int Dim
    {
        get
        {
            NativeStatus.Check(TensorNative.Tensor_ndim(Handle, out long n));
            return (int)n;
        }
    }

    /// <summary>The size of each dimension.</summary>
    public long[] Shape
    {
        get
        {
            var shape = new long[Dim];
            NativeStatus.Check(TensorNative.Tensor_shape(Handle, shape, shape.Length));
            return shape;
        }
    }

    /// <summary>The size of one dimension (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var shape = Shape;
        int d = dim < 0 ? dim + shape.Length : dim;
        if (d < 0 || d >= shape.Length)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"tensor has {shape.Length} dimensions");
        return shape[d];
    }

    /// <summary>The total number of elements.</summary>
    public long NumberOfElements
    {
        get
        {
            long n = 1;
            foreach (var s in Shape) n *= s;
            return n;
        }
    }

    /// <summary>The element type.</summary>
    public ScalarType DType
    {
        get
        {
            NativeStatus.Check(TensorNative.Tensor_dtype(Handle, out int t));
            return (ScalarType)t;
        }
    }

    /// <summary>Where the data lives.</summary>
    public Device Device
    {
        get
        {
            NativeStatus.Check(TensorNative.Tensor_device(Handle, out int type, out int index));
            return new Device((DeviceType)type, index);
        }
    }

    /// <summary>Whether autograd records operations on this tensor.</summary>
    public bool RequiresGrad
    {
        get
        {
            NativeStatus.Check(TensorNative.Tensor_requires_grad(Handle, out int v));
            return v != 0;
        }
        set => NativeStatus.Check(TensorNative.Tensor_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor.</summary>
    public Tensor RequiresGrad_(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    /// <inheritdoc />
    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor[{string.Join(", ", Shape)}] {DType} on {Device}";

    // ---- data in and out ----

    /// <summary>The value of a one-element tensor.</summary>
    public double Item()
    {
        NativeStatus.Check(TensorNative.Tensor_item(Handle, out double v));
        return v;
    }

    /// <summary>The value of a one-element integer tensor, without a trip through double.</summary>
    public long ItemInt64()
    {
        NativeStatus.Check(TensorNative.Tensor_item_int64(Handle, out long v));
        return v;
    }

    /// <summary>Copies the elements (row-major) into a new array; <typeparamref name="T"/> must
    /// match <see cref="DType"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[NumberOfElements];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements (row-major) into <paramref name="destination"/>, whose length
    /// must equal <see cref="NumberOfElements"/>.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        var want = ScalarTypes.Of<T>();
        if (want != DType)
            throw new InvalidOperationException($"Cannot copy a {DType} tensor into {typeof(T).Name}[]; convert with To({want}) first.");
        CopyBytesTo(MemoryMarshal.AsBytes(destination));
    }

    /// <summary>Copies the raw little-endian element bytes into <paramref name="destination"/>.</summary>
    public unsafe void CopyBytesTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
            NativeStatus.Check(TensorNative.Tensor_copy_to(Handle, p, destination.Length));
    }
}
