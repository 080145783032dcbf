namespace Aigc.Torch.Tests;

public class EngineTests
{
    [Fact]
    public void Threads_CanBeChanged()
    {
        int original = Engine.NumThreads;
        Engine.SetNumThreads(1);
        Assert.Equal(1, Engine.NumThreads);
        Engine.SetNumThreads(original);
        Assert.Throws<ArgumentOutOfRangeException>(() => Engine.SetNumThreads(0));
    }

    [Fact]
    public void ProcessTuning_IsOptIn_AndSetsTheDocumentedThreads()
    {
        // Loading the library applied nothing. (This is the only test of this assembly that applies the
        // tuning, and the test run does not set AIGC_PROCESS_TUNING.)
        _ = Engine.NumThreads;
        if (Environment.GetEnvironmentVariable("AIGC_PROCESS_TUNING") != "1") Assert.False(ProcessTuning.Applied);
        ProcessTuning.Apply();
        Assert.True(ProcessTuning.Applied);
        Assert.Equal(ProcessTuning.IntraOpThreads, Engine.NumThreads);
    }

    [Fact]
    public void BlasThreads_AreSettableWithOpenBlas() =>
        // Debian's libtorch links libblas.so.3; with libopenblas0-pthread that is OpenBLAS.
        Assert.True(Engine.SetBlasThreads(1), "OpenBLAS not found: install libopenblas0-openmp (scripts/setup.sh)");

    [Fact]
    public void BlasThreading_IsReported_AndChoosesTheTuningsBlasThreads()
    {
        // setup.sh selects the OpenMP build (2), and the tuning then gives BLAS every thread; under
        // Debian's pthreads build (AIGC_SETUP_BLAS=pthread, or LD_LIBRARY_PATH=
        // /usr/lib/x86_64-linux-gnu/openblas-pthread) it is 1, and BLAS keeps one thread.
        int kind = Engine.BlasThreading;
        Assert.Contains(kind, new[] { 1, 2 });
        if (Environment.GetEnvironmentVariable("AIGC_BLAS_THREADS") is null)
            Assert.Equal(kind == 2 ? ProcessTuning.IntraOpThreads : 1, ProcessTuning.BlasThreads);
    }

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
