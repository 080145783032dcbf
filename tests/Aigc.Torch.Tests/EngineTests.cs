namespace Aigc.Torch.Tests;

public class EngineTests
{
    [Fact]
    public void Threads_DefaultToCoresAndCanBeChanged()
    {
        int original = Engine.NumThreads;
        Assert.Equal(ProcessDefaults.DefaultIntraOpThreads, original);
        Engine.SetNumThreads(1);
        Assert.Equal(1, Engine.NumThreads);
        Engine.SetNumThreads(original);
        Assert.Throws<ArgumentOutOfRangeException>(() => Engine.SetNumThreads(0));
    }

    [Fact]
    public void BlasThreads_AreSettableWithOpenBlas() =>
        // Debian's libtorch links libblas.so.3; with libopenblas0-pthread that is OpenBLAS.
        Assert.True(Engine.SetBlasThreads(1), "OpenBLAS not found: install libopenblas0-pthread");

    [Fact]
    public void LibTorchVersion_IsReported()
    {
        Assert.Matches(@"^\d+\.\d+", Engine.LibTorchVersion);
        Assert.Equal(Engine.LibTorchVersion.StartsWith('1') ? false : true, Engine.HasFusedAttention);
    }

    [Fact]
    public void Autocast_RejectsNonHalfTypes() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Engine.Autocast(ScalarType.Float32));
}
