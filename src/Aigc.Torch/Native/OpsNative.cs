using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>Mirrors src/native/src/ops.cpp; the op codes are <see cref="UnaryOp"/>,
/// <see cref="BinaryOp"/> and <see cref="ReduceOp"/>.</summary>
internal static partial class OpsNative
{
    private const string Lib = EngineNative.Lib;

    [LibraryImport(Lib)] internal static partial int Ops_unary(TensorHandle x, int op, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_binary(TensorHandle a, TensorHandle b, int op, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_binary_scalar(TensorHandle a, double s, int op, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_add_scaled(TensorHandle a, TensorHandle b, double alpha, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_where(TensorHandle cond, TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_clamp(TensorHandle x, int hasMin, double min, int hasMax, double max, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_leaky_relu(TensorHandle x, double slope, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_softmax(TensorHandle x, long dim, int kind, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_matmul(TensorHandle a, TensorHandle b, int kind, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_linear(TensorHandle x, TensorHandle w, TensorHandle b, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_reduce(TensorHandle x, int op, long[] dims, long ndims, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_var_std(TensorHandle x, int kind, long[] dims, long ndims, int unbiased, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_norm(TensorHandle x, double p, long[] dims, long ndims, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_minmax_dim(TensorHandle x, int kind, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial int Ops_argminmax(TensorHandle x, int kind, int hasDim, long dim, int keepdim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_topk(TensorHandle x, long k, long dim, int largest, int sorted, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial int Ops_sort(TensorHandle x, long dim, int descending, out IntPtr values, out IntPtr indices);
    [LibraryImport(Lib)] internal static partial int Ops_cumsum(TensorHandle x, long dim, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Ops_multinomial(TensorHandle probs, long samples, int replacement, out IntPtr result);
}

internal enum UnaryOp
{
    Neg, Exp, Log, Sqrt, Rsqrt, Abs, Sin, Cos, Tanh, Sigmoid, Relu, Silu, Gelu, GeluTanh, Sign,
    Floor, Ceil, Round, Log1p, Expm1, LogicalNot, Square, IsNan, IsFinite,
}

internal enum BinaryOp
{
    Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr,
    Remainder, Atan2, ReverseSub, ReverseDiv,
}

internal enum ReduceOp { Sum, Mean, Amax, Amin, LogSumExp, Prod }
