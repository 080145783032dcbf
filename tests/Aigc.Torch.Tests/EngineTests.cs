namespace Aigc.Torch.Tests;

public class EngineTests
{
    [Fact]
    public void Threads_DefaultToCoresAndCanBeChanged()
    {
        int original = Torch.NumThreads;
        Assert.Equal(ThreadSettings.DefaultIntraOpThreads, original);
        Torch.SetNumThreads(1);
        Assert.Equal(1, Torch.NumThreads);
        Torch.SetNumThreads(original);
        Assert.Throws<ArgumentOutOfRangeException>(() => Torch.SetNumThreads(0));
    }

    [Fact]
    public void BlasThreads_AreSettableWithOpenBlas() =>
        // Debian's libtorch links libblas.so.3; with libopenblas0-pthread that is OpenBLAS.
        Assert.True(Torch.SetBlasThreads(1), "OpenBLAS not found: install libopenblas0-pthread");

    [Fact]
    public void LibTorchVersion_IsReported()
    {
        Assert.Matches(@"^\d+\.\d+", Torch.LibTorchVersion);
        Assert.Equal(Torch.LibTorchVersion.StartsWith('1') ? false : true, Torch.HasFusedAttention);
    }

    [Fact]
    public void Autocast_RejectsNonHalfTypes() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Torch.Autocast(ScalarType.Float32));
}
