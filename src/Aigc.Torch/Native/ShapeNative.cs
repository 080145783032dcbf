using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>Mirrors src/native/src/shape_ops.cpp.</summary>
internal static partial class ShapeNative
{
    private const string Lib = EngineNative.Lib;

    internal const int View = 0, Reshape = 1, Expand = 2, Repeat = 3, Permute = 4, Flip = 5;

    [LibraryImport(Lib)] internal static partial int Shape_reshape(TensorHandle x, int kind, long[] shape, long ndim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_transpose(TensorHandle x, long d0, long d1, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_flatten(TensorHandle x, long start, long end, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_squeeze(TensorHandle x, int hasDim, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_unsqueeze(TensorHandle x, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_narrow(TensorHandle x, long dim, long start, long length, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_slice(TensorHandle x, long dim, long start, long end, long step, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_select(TensorHandle x, long dim, long index, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_index_select(TensorHandle x, long dim, TensorHandle index, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_gather(TensorHandle x, long dim, TensorHandle index, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_scatter(TensorHandle x, long dim, TensorHandle index, TensorHandle src, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_masked_fill(TensorHandle x, TensorHandle mask, double value, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_masked_select(TensorHandle x, TensorHandle mask, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_triangle(TensorHandle x, int kind, long diagonal, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_join(IntPtr[] handles, long count, long dim, int kind, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Shape_split(TensorHandle x, int kind, long n, long dim, IntPtr[] buf, long capacity, out long count);
}
