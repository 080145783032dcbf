using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

public class ShapeTests
{
    private static Tensor Seq(params long[] shape) => Tensor.Arange(0, shape.Aggregate(1L, (a, b) => a * b), 1, ScalarType.Float64).Reshape(shape);

    [Fact]
    public void ViewReshapeTransposePermute()
    {
        using var scope = DisposeScope.Enter();
        var x = Seq(2, 3);
        Assert.Equal([3L, 2], x.View(3, -1).Shape);
        var t = x.T;
        Close([0, 3, 1, 4, 2, 5], t.Contiguous());
        // A transposed tensor cannot be viewed flat; reshape copies instead.
        var e = Assert.Throws<TorchException>(() => t.View(6));
        Assert.Contains("view", e.Message);
        Close([0, 3, 1, 4, 2, 5], t.Reshape(6));
        var p = Seq(2, 3, 4).Permute(2, 0, 1);
        Assert.Equal([4L, 2, 3], p.Shape);
        Assert.Equal(1 * 4 + 0 * 12 + 3, p[3][0][1].Item()); // p[k, i, j] = x[i, j, k]
        Assert.Equal([6L], Seq(2, 3).Flatten().Shape);
        Assert.Equal([2L, 12], Seq(2, 3, 4).Flatten(1).Shape);
    }

    [Fact]
    public void SqueezeUnsqueezeExpandRepeatFlip()
    {
        using var scope = DisposeScope.Enter();
        var x = Seq(1, 3, 1);
        Assert.Equal([3L], x.Squeeze().Shape);
        Assert.Equal([3L, 1], x.Squeeze(0).Shape);
        Assert.Equal([1L, 1, 3, 1], x.Unsqueeze(0).Shape);
        var col = Seq(3, 1);
        Close([0, 0, 1, 1, 2, 2], col.Expand(3, 2));
        Close([0, 1, 0, 1], Seq(2).Repeat(2));
        Close([2, 1, 0], Seq(3).Flip(0));
    }

    [Fact]
    public void NarrowSliceSelect()
    {
        using var scope = DisposeScope.Enter();
        var x = Seq(4, 3);
        Close([3, 4, 5, 6, 7, 8], x.Narrow(0, 1, 2));
        Close([1, 7], x.Slice(0, 0, 4, 2).Select(1, 1));
        Close([9, 10, 11], x.Slice(0, -1, 4));
        Close([2, 5, 8, 11], x.Select(1, -1));
    }

    [Fact]
    public void IndexSelectGatherScatterMasked()
    {
        using var scope = DisposeScope.Enter();
        var x = Seq(3, 3);
        var idx = Tensor.FromArray([2L, 0]);
        Close([6, 7, 8, 0, 1, 2], x.IndexSelect(0, idx));
        var g = Tensor.FromArray([0L, 2, 1, 1, 2, 0], 3, 2);
        Close([0, 2, 4, 4, 8, 6], x.Gather(1, g));
        var s = Tensor.Zeros([2, 3], ScalarType.Float64).Scatter(1, Tensor.FromArray([1L, 2], 2, 1), T([5, 7], 2, 1));
        Close([0, 5, 0, 0, 0, 7], s);
        var mask = x.Gt(4);
        Close([0, 1, 2, 3, 4, -1, -1, -1, -1], x.MaskedFill(mask, -1));
        Close([5, 6, 7, 8], x.MaskedSelect(mask));
    }

    [Fact]
    public void TrilTriu()
    {
        using var scope = DisposeScope.Enter();
        var ones = Tensor.Ones([3, 3], ScalarType.Float64);
        Close([1, 0, 0, 1, 1, 0, 1, 1, 1], ones.Tril());
        Close([0, 1, 1, 0, 0, 1, 0, 0, 0], ones.Triu(1));
    }

    [Fact]
    public void CatStackChunkSplit()
    {
        using var scope = DisposeScope.Enter();
        var a = Seq(2, 2);
        var b = Seq(2, 2) + 10;
        Close([0, 1, 2, 3, 10, 11, 12, 13], Tensor.Cat([a, b]));
        Close([0, 1, 10, 11, 2, 3, 12, 13], Tensor.Cat([a, b], 1));
        Assert.Equal([2L, 2, 2], Tensor.Stack([a, b], 1).Shape);
        var parts = Seq(7).Chunk(3);
        Assert.Equal([3L, 3, 1], parts.Select(p => p.Size(0)));
        var splits = Seq(7).Split(2);
        Assert.Equal([2L, 2, 2, 1], splits.Select(p => p.Size(0)));
        Close([6], splits[3]);
        Assert.Throws<ArgumentException>(() => Tensor.Cat(Array.Empty<Tensor>()));
        var e = Assert.Throws<TorchException>(() => Tensor.Cat([Seq(2, 2), Seq(3, 3)], 0));
        Assert.Contains("Sizes of tensors must match", e.Message);
    }
}
