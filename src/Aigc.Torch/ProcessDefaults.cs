namespace Aigc.Torch;

/// <summary>
/// Process-wide settings applied when the native library loads. Threads: how many threads
/// libtorch and the BLAS behind it use. Defaults: intra-op threads = cores
/// (or <c>AIGC_NUM_THREADS</c>), BLAS threads = 1 (or <c>AIGC_BLAS_THREADS</c>).
/// </summary>
/// <remarks>Measured on 2
/// cores, OpenBLAS's own pool on top of libtorch's OpenMP pool made a DCGAN step ~2x slower.
/// Memory: glibc's allocator is told to keep freed blocks up to 32 MiB in the heap rather than
/// unmapping them (a conv net at batch 256 trained 2-3x faster); <c>AIGC_MALLOC_TUNING=0</c> turns
/// that off for processes that must return memory to the OS promptly.
/// </remarks>
public static class ProcessDefaults
{
    /// <summary>Intra-op threads applied when the native library loads.</summary>
    public static int DefaultIntraOpThreads => ReadEnv("AIGC_NUM_THREADS") ?? Environment.ProcessorCount;

    /// <summary>BLAS threads applied when the native library loads.</summary>
    public static int DefaultBlasThreads => ReadEnv("AIGC_BLAS_THREADS") ?? 1;

    private static int? ReadEnv(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int n) && n > 0 ? n : null;

    /// <summary>Whether glibc's malloc thresholds are raised at load (<c>AIGC_MALLOC_TUNING</c>, default on).</summary>
    public static bool MallocTuning => Environment.GetEnvironmentVariable("AIGC_MALLOC_TUNING") != "0";

    /// <summary>Blocks below this size come from the heap rather than mmap: 32 MiB, glibc's maximum.</summary>
    public static long MallocMmapThreshold => 32L << 20;

    /// <summary>Free memory at the top of the heap kept rather than returned to the OS: 1 GiB.</summary>
    public static long MallocTrimThreshold => 1L << 30;
}
