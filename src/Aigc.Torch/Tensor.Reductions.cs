using Aigc.Torch.Native;

namespace Aigc.Torch;

// Reductions, sorting and selection.
public partial class Tensor
{
    private Tensor Reduce(ReduceOp op, long[] dims, bool keepDim) =>
        Wrap(OpsNative.Ops_reduce(Handle, (int)op, dims, dims.Length, keepDim ? 1 : 0, out var r), r);

    /// <summary>The sum of all elements (a 0-D tensor).</summary>
    public Tensor Sum() => Reduce(ReduceOp.Sum, [], false);
    /// <summary>Sums over <paramref name="dims"/>.</summary>
    public Tensor Sum(long[] dims, bool keepDim = false) => Reduce(ReduceOp.Sum, dims, keepDim);
    /// <summary>Sums over one dimension.</summary>
    public Tensor Sum(long dim, bool keepDim = false) => Reduce(ReduceOp.Sum, [dim], keepDim);

    /// <summary>The mean of all elements.</summary>
    public Tensor Mean() => Reduce(ReduceOp.Mean, [], false);
    /// <summary>Means over <paramref name="dims"/>.</summary>
    public Tensor Mean(long[] dims, bool keepDim = false) => Reduce(ReduceOp.Mean, dims, keepDim);
    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(long dim, bool keepDim = false) => Reduce(ReduceOp.Mean, [dim], keepDim);

    /// <summary>The largest element.</summary>
    public Tensor Max() => Reduce(ReduceOp.Amax, [], false);
    /// <summary>The smallest element.</summary>
    public Tensor Min() => Reduce(ReduceOp.Amin, [], false);

    /// <summary>Largest values along <paramref name="dim"/> and where they are.</summary>
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        NativeStatus.Check(OpsNative.Ops_minmax_dim(Handle, 0, dim, keepDim ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Smallest values along <paramref name="dim"/> and where they are.</summary>
    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false)
    {
        NativeStatus.Check(OpsNative.Ops_minmax_dim(Handle, 1, dim, keepDim ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Index of the largest element along <paramref name="dim"/> (of the flattened tensor when null).</summary>
    public Tensor Argmax(long? dim = null, bool keepDim = false) =>
        Wrap(OpsNative.Ops_argminmax(Handle, 0, dim.HasValue ? 1 : 0, dim ?? 0, keepDim ? 1 : 0, out var r), r);

    /// <summary>Index of the smallest element along <paramref name="dim"/> (of the flattened tensor when null).</summary>
    public Tensor Argmin(long? dim = null, bool keepDim = false) =>
        Wrap(OpsNative.Ops_argminmax(Handle, 1, dim.HasValue ? 1 : 0, dim ?? 0, keepDim ? 1 : 0, out var r), r);

    /// <summary>log(sum(exp(x))) over <paramref name="dims"/>, without overflow.</summary>
    public Tensor LogSumExp(long[] dims, bool keepDim = false)
    {
        if (dims.Length == 0) dims = AllDims();
        return Reduce(ReduceOp.LogSumExp, dims, keepDim);
    }

    /// <summary>log(sum(exp(x))) over one dimension.</summary>
    public Tensor LogSumExp(long dim, bool keepDim = false) => Reduce(ReduceOp.LogSumExp, [dim], keepDim);

    /// <summary>The product of all elements.</summary>
    public Tensor Prod() => Reduce(ReduceOp.Prod, [], false);

    /// <summary>Variance over <paramref name="dims"/> (all when empty); unbiased divides by n-1.</summary>
    public Tensor Var(long[]? dims = null, bool unbiased = true, bool keepDim = false) => VarStd(0, dims, unbiased, keepDim);

    /// <summary>Standard deviation over <paramref name="dims"/> (all when empty); unbiased divides by n-1.</summary>
    public Tensor Std(long[]? dims = null, bool unbiased = true, bool keepDim = false) => VarStd(1, dims, unbiased, keepDim);

    private Tensor VarStd(int kind, long[]? dims, bool unbiased, bool keepDim)
    {
        dims ??= [];
        return Wrap(OpsNative.Ops_var_std(Handle, kind, dims, dims.Length, unbiased ? 1 : 0, keepDim ? 1 : 0, out var r), r);
    }

    /// <summary>The vector p-norm (sum |x|^p)^(1/p) over <paramref name="dims"/> (all when empty).</summary>
    public Tensor Norm(double p = 2, long[]? dims = null, bool keepDim = false)
    {
        dims ??= [];
        return Wrap(OpsNative.Ops_norm(Handle, p, dims, dims.Length, keepDim ? 1 : 0, out var r), r);
    }

    /// <summary>The <paramref name="k"/> largest (or smallest) entries along <paramref name="dim"/>.</summary>
    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        NativeStatus.Check(OpsNative.Ops_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Sorts along <paramref name="dim"/>, returning values and their original positions.</summary>
    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false)
    {
        NativeStatus.Check(OpsNative.Ops_sort(Handle, dim, descending ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    private long[] AllDims()
    {
        var dims = new long[Dim];
        for (int i = 0; i < dims.Length; i++) dims[i] = i;
        return dims;
    }
}
