using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>Mirrors src/native/src/nn.cpp (and attention.cpp, linear_gelu.cpp, add_layer_norm.cpp beside it). Two-element arrays are (height, width) pairs.</summary>
internal static partial class NnNative
{
    private const string Lib = EngineNative.Lib;

    [LibraryImport(Lib)] internal static partial int Nn_conv2d(TensorHandle x, TensorHandle w, TensorHandle b, long[] stride, long[] padding, long[] dilation, long groups, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_conv_transpose2d(TensorHandle x, TensorHandle w, TensorHandle b, long[] stride, long[] padding, long[] outputPadding, long[] dilation, long groups, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_max_pool2d(TensorHandle x, long[] kernel, long[] stride, long[] padding, long[] dilation, int ceilMode, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_avg_pool2d(TensorHandle x, long[] kernel, long[] stride, long[] padding, int ceilMode, int countIncludePad, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_interpolate(TensorHandle x, long outH, long outW, int mode, int alignCorners, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_batch_norm(TensorHandle x, TensorHandle w, TensorHandle b, TensorHandle runningMean, TensorHandle runningVar, int training, double momentum, double eps, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_group_norm(TensorHandle x, long groups, TensorHandle w, TensorHandle b, double eps, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_layer_norm(TensorHandle x, long[] shape, long ndim, TensorHandle w, TensorHandle b, double eps, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_embedding(TensorHandle weight, TensorHandle indices, long paddingIdx, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_dropout(TensorHandle x, double p, int training, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_scaled_dot_product_attention(TensorHandle q, TensorHandle k, TensorHandle v, TensorHandle mask, double dropoutP, int isCausal, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_linear_gelu(TensorHandle x, TensorHandle w, TensorHandle b, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_add_layer_norm(TensorHandle x, TensorHandle delta, TensorHandle w, TensorHandle b, double eps, out IntPtr sum, out IntPtr normalized);
    [LibraryImport(Lib)] internal static partial int Nn_lstm(TensorHandle x, TensorHandle h0, TensorHandle c0, IntPtr[] parameters, long count, long layers, double dropout, int training, out IntPtr output, out IntPtr hN, out IntPtr cN);
    [LibraryImport(Lib)] internal static partial int Nn_regression_loss(TensorHandle input, TensorHandle target, int kind, int reduction, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_binary_cross_entropy(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_binary_cross_entropy_with_logits(TensorHandle input, TensorHandle target, TensorHandle weight, TensorHandle posWeight, int reduction, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_cross_entropy(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction, long ignoreIndex, double labelSmoothing, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Nn_nll_loss(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction, long ignoreIndex, out IntPtr result);
}
