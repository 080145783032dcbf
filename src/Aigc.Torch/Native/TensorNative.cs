using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>Mirrors src/native/src/tensor.cpp.</summary>
internal static partial class TensorNative
{
    private const string Lib = EngineNative.Lib;

    [LibraryImport(Lib)] internal static partial void Tensor_free(IntPtr t);
    [LibraryImport(Lib)] internal static partial int Tensor_new_handle(TensorHandle t, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Tensor_factory(int kind, long[] shape, long ndim, int dtype, int devType, int devIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Tensor_full(long[] shape, long ndim, double value, int dtype, int devType, int devIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Tensor_randint(long low, long high, long[] shape, long ndim, int dtype, int devType, int devIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Tensor_arange(double start, double end, double step, int dtype, int devType, int devIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Tensor_linspace(double start, double end, long steps, int dtype, int devType, int devIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static unsafe partial int Tensor_from_data(void* data, long nbytes, long[] shape, long ndim, int dtype, out IntPtr result);
    [LibraryImport(Lib)] internal static unsafe partial int Tensor_copy_to(TensorHandle t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial int Tensor_ndim(TensorHandle t, out long ndim);
    [LibraryImport(Lib)] internal static partial int Tensor_shape(TensorHandle t, long[] buf, long capacity);
    [LibraryImport(Lib)] internal static partial int Tensor_dtype(TensorHandle t, out int dtype);
    [LibraryImport(Lib)] internal static partial int Tensor_device(TensorHandle t, out int type, out int index);
    [LibraryImport(Lib)] internal static partial int Tensor_item(TensorHandle t, out double value);
    [LibraryImport(Lib)] internal static partial int Tensor_item_int64(TensorHandle t, out long value);
    [LibraryImport(Lib)] internal static partial int Tensor_requires_grad(TensorHandle t, out int value);
    [LibraryImport(Lib)] internal static partial int Tensor_set_requires_grad(TensorHandle t, int value);
    [LibraryImport(Lib)] internal static partial int Tensor_to(TensorHandle t, int dtype, int devType, int devIndex, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Tensor_clone(TensorHandle t, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Tensor_detach(TensorHandle t, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Tensor_contiguous(TensorHandle t, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Tensor_copy_(TensorHandle dst, TensorHandle src);
    [LibraryImport(Lib)] internal static partial int Tensor_fill_(TensorHandle t, double value);
    [LibraryImport(Lib)] internal static partial int Tensor_normal_(TensorHandle t, double mean, double std);
    [LibraryImport(Lib)] internal static partial int Tensor_uniform_(TensorHandle t, double low, double high);
}
