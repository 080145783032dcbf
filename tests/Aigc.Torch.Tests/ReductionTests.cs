using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

public class ReductionTests
{
    private static Tensor M() => T([1, 5, 3, 4, 2, 6], 2, 3);

    [Fact]
    public void SumMeanProd_OverAllAndAlongDims()
    {
        using var scope = DisposeScope.Enter();
        var m = M();
        Assert.Equal(21, m.Sum().Item());
        Assert.Equal(3.5, m.Mean().Item());
        Assert.Equal(720, m.Prod().Item());
        Close([5, 7, 9], m.Sum(0));
        Close([3, 4], m.Mean(1));
        var kept = m.Sum(1, keepDim: true);
        Assert.Equal([2L, 1], kept.Shape);
        Close([9, 12], kept);
        Close([21], m.Sum([0, 1], keepDim: false).Reshape(1));
    }

    [Fact]
    public void MaxMinArgmax_ReturnValuesAndIndices()
    {
        using var scope = DisposeScope.Enter();
        var m = M();
        Assert.Equal(6, m.Max().Item());
        Assert.Equal(1, m.Min().Item());
        var (values, indices) = m.Max(1);
        Close([5, 6], values);
        Assert.Equal([1L, 2], indices.ToArray<long>());
        var (minV, minI) = m.Min(0);
        Close([1, 2, 3], minV);
        Assert.Equal([0L, 1, 0], minI.ToArray<long>());
        Assert.Equal(5, m.Argmax().ItemInt64());
        Assert.Equal([1L, 0, 1], m.Argmax(0).ToArray<long>());
        Assert.Equal([0L, 1], m.Argmin(1).ToArray<long>());
    }

    [Fact]
    public void LogSumExp_IsStableForLargeValues()
    {
        using var scope = DisposeScope.Enter();
        var x = T([1000, 1000, 1, 2], 2, 2);
        Close([1000 + Math.Log(2), 2 + Math.Log(1 + Math.Exp(-1))], x.LogSumExp(1));
        Close(Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)), T([1, 2, 3]).LogSumExp([]).Item());
    }

    [Fact]
    public void VarStdNorm_MatchFormulas()
    {
        using var scope = DisposeScope.Enter();
        var x = T([2, 4, 4, 4, 5, 5, 7, 9]);
        Assert.Equal(4, x.Var(unbiased: false).Item(), 12);
        Assert.Equal(2, x.Std(unbiased: false).Item(), 12);
        Assert.Equal(32.0 / 7, x.Var().Item(), 12);
        var m = T([3, 4, 6, 8], 2, 2);
        Close([5, 10], m.Norm(2, [1]));
        Close([7, 14], m.Norm(1, [1]));
        Close(Math.Sqrt(125), m.Norm().Item());
        Close([0.5, 2], m.Var([1], unbiased: true));
    }

    [Fact]
    public void TopKAndSort_OrderCorrectly()
    {
        using var scope = DisposeScope.Enter();
        var x = T([3, 1, 4, 1, 5, 9, 2, 6]);
        var (v, i) = x.TopK(3);
        Close([9, 6, 5], v);
        Assert.Equal([5L, 7, 4], i.ToArray<long>());
        var (small, _) = x.TopK(2, largest: false);
        Close([1, 1], small);
        var (sorted, order) = x.Sort(descending: true);
        Close([9, 6, 5, 4, 3, 2, 1, 1], sorted);
        Assert.Equal(5L, order.ToArray<long>()[0]);
    }
}
