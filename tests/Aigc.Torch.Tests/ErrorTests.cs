namespace Aigc.Torch.Tests;

public class ErrorTests
{
    [Fact]
    public void ShapeMismatch_SurfacesLibTorchMessage_AndProcessContinues()
    {
        using var scope = DisposeScope.Enter();
        var a = Tensor.Ones(2, 3);
        var b = Tensor.Ones(4, 5);
        var e = Assert.Throws<TorchException>(() => a.Mm(b));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", e.Message);
        // The engine keeps working after a native error.
        Assert.Equal(3, a.Mm(Tensor.Ones(3, 1)).ToArray<float>()[0]);
    }

    [Fact]
    public void ErrorsOnManyThreads_DoNotMixMessages()
    {
        var messages = new string[8];
        Parallel.For(0, 8, i =>
        {
            using var scope = DisposeScope.Enter();
            using var a = Tensor.Ones(2, i + 1);
            using var b = Tensor.Ones(i + 2, 1);
            messages[i] = Assert.Throws<TorchException>(() => a.Mm(b)).Message;
        });
        for (int i = 0; i < 8; i++) Assert.Contains($"(2x{i + 1} and {i + 2}x1)", messages[i]);
    }

    [Fact]
    public void DisposeTwice_IsHarmless_UseAfterDispose_Throws()
    {
        var t = Tensor.Ones(2);
        t.Dispose();
        t.Dispose();
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.Sum());
        Assert.Throws<ObjectDisposedException>(() => _ = t.Shape);
        Assert.Equal("Tensor(disposed)", t.ToString());
    }

    [Fact]
    public void BadIndices_AndDtypes_ThrowTorchException()
    {
        using var scope = DisposeScope.Enter();
        var t = Tensor.Ones(3);
        Assert.Contains("out of range", Assert.Throws<TorchException>(() => t.Select(0, 5)).Message);
        Assert.Throws<TorchException>(() => F.Embedding(Tensor.FromArray([7L]), Tensor.Ones(3, 2)));
        Assert.Throws<TorchException>(() => F.CrossEntropy(Tensor.Ones(2, 3), Tensor.FromArray([0L, 3])));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Size(3));
    }
}
