using Aigc.Torch.Native;

namespace Aigc.Torch;

// Views, indexing, joining and splitting.
public partial class Tensor
{
    private Tensor Reshaped(int kind, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Wrap(ShapeNative.Shape_reshape(Handle, kind, shape, shape.Length, out var r), r);
    }

    /// <summary>The same data seen with another shape, without copying (-1 infers one size).
    /// Fails when the strides do not allow it; <see cref="Reshape"/> copies instead.</summary>
    public Tensor View(params long[] shape) => Reshaped(ShapeNative.View, shape);

    /// <summary>Another shape for the same elements, copying only when a view is impossible.</summary>
    public Tensor Reshape(params long[] shape) => Reshaped(ShapeNative.Reshape, shape);

    /// <summary>Broadcasts size-1 dimensions to <paramref name="shape"/> without copying (-1 keeps a size).</summary>
    public Tensor Expand(params long[] shape) => Reshaped(ShapeNative.Expand, shape);

    /// <summary>Tiles the tensor <paramref name="repeats"/>[i] times along each dimension.</summary>
    public Tensor Repeat(params long[] repeats) => Reshaped(ShapeNative.Repeat, repeats);

    /// <summary>Reorders dimensions: result dimension i is input dimension <paramref name="dims"/>[i].</summary>
    public Tensor Permute(params long[] dims) => Reshaped(ShapeNative.Permute, dims);

    /// <summary>Reverses the order of elements along <paramref name="dims"/>.</summary>
    public Tensor Flip(params long[] dims) => Reshaped(ShapeNative.Flip, dims);

    /// <summary>Swaps two dimensions (a view).</summary>
    public Tensor Transpose(long dim0, long dim1) => Wrap(ShapeNative.Shape_transpose(Handle, dim0, dim1, out var r), r);

    /// <summary>The transpose of a 2-D tensor.</summary>
    public Tensor T => Transpose(0, 1);

    /// <summary>The same values laid out densely in row-major order.</summary>
    public Tensor Contiguous() => Wrap(TensorNative.Tensor_contiguous(Handle, out var r), r);

    /// <summary>Merges dimensions <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(long startDim = 0, long endDim = -1) =>
        Wrap(ShapeNative.Shape_flatten(Handle, startDim, endDim, out var r), r);

    /// <summary>Removes size-1 dimensions: all of them, or only <paramref name="dim"/>.</summary>
    public Tensor Squeeze(long? dim = null) =>
        Wrap(ShapeNative.Shape_squeeze(Handle, dim.HasValue ? 1 : 0, dim ?? 0, out var r), r);

    /// <summary>Inserts a size-1 dimension at <paramref name="dim"/>.</summary>
    public Tensor Unsqueeze(long dim) => Wrap(ShapeNative.Shape_unsqueeze(Handle, dim, out var r), r);

    /// <summary>Elements start..start+length-1 along <paramref name="dim"/> (a view).</summary>
    public Tensor Narrow(long dim, long start, long length) =>
        Wrap(ShapeNative.Shape_narrow(Handle, dim, start, length, out var r), r);

    /// <summary>Elements start, start+step, ... below end along <paramref name="dim"/> (a view);
    /// negative indices count from the end, as in Python slicing.</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) =>
        Wrap(ShapeNative.Shape_slice(Handle, dim, start, end, step, out var r), r);

    /// <summary>The slice at <paramref name="index"/> along <paramref name="dim"/>, dropping that dimension.</summary>
    public Tensor Select(long dim, long index) => Wrap(ShapeNative.Shape_select(Handle, dim, index, out var r), r);

    /// <summary>Row <paramref name="index"/> of the first dimension.</summary>
    [System.Runtime.CompilerServices.IndexerName("Row")]
    public Tensor this[long index] => Select(0, index);

    /// <summary>The entries at the Int64 <paramref name="index"/> positions along <paramref name="dim"/>.</summary>
    public Tensor IndexSelect(long dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return Wrap(ShapeNative.Shape_index_select(Handle, dim, index.Handle, out var r), r);
    }

    /// <summary>out[i][j] = this[i][index[i][j]] for dim 1 (and likewise for other dims).</summary>
    public Tensor Gather(long dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return Wrap(ShapeNative.Shape_gather(Handle, dim, index.Handle, out var r), r);
    }

    /// <summary>A copy with <paramref name="source"/> written at the <paramref name="index"/> positions along <paramref name="dim"/>.</summary>
    public Tensor Scatter(long dim, Tensor index, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        return Wrap(ShapeNative.Shape_scatter(Handle, dim, index.Handle, source.Handle, out var r), r);
    }

    /// <summary>A copy with <paramref name="value"/> wherever the Bool <paramref name="mask"/> is true.</summary>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return Wrap(ShapeNative.Shape_masked_fill(Handle, mask.Handle, value, out var r), r);
    }

    /// <summary>The elements where <paramref name="mask"/> is true, as a 1-D tensor.</summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return Wrap(ShapeNative.Shape_masked_select(Handle, mask.Handle, out var r), r);
    }

    /// <summary>The lower triangle (elements with column - row &lt;= <paramref name="diagonal"/>), zeros elsewhere.</summary>
    public Tensor Tril(long diagonal = 0) => Wrap(ShapeNative.Shape_triangle(Handle, 0, diagonal, out var r), r);

    /// <summary>The upper triangle (elements with column - row &gt;= <paramref name="diagonal"/>), zeros elsewhere.</summary>
    public Tensor Triu(long diagonal = 0) => Wrap(ShapeNative.Shape_triangle(Handle, 1, diagonal, out var r), r);

    /// <summary>Splits into <paramref name="chunks"/> nearly equal parts along <paramref name="dim"/>.</summary>
    public Tensor[] Chunk(long chunks, long dim = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        return SplitInto(0, chunks, dim, (int)Math.Min(chunks, Size((int)dim) + 1));
    }

    /// <summary>Splits into parts of <paramref name="splitSize"/> along <paramref name="dim"/> (the last may be smaller).</summary>
    public Tensor[] Split(long splitSize, long dim = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(splitSize, 1);
        long size = Size((int)dim);
        return SplitInto(1, splitSize, dim, (int)Math.Max(1, (size + splitSize - 1) / splitSize));
    }

    private Tensor[] SplitInto(int kind, long n, long dim, int capacity)
    {
        var buf = new IntPtr[capacity];
        NativeStatus.Check(ShapeNative.Shape_split(Handle, kind, n, dim, buf, capacity, out long count));
        var parts = new Tensor[count];
        for (int i = 0; i < count; i++) parts[i] = new Tensor(buf[i]);
        return parts;
    }
}
