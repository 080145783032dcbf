namespace Aigc.Torch;

/// <summary>
/// How many threads libtorch and the BLAS behind it use. Defaults: intra-op threads = cores
/// (or <c>AIGC_NUM_THREADS</c>), BLAS threads = 1 (or <c>AIGC_BLAS_THREADS</c>). Measured on 2
/// cores, OpenBLAS's own pool on top of libtorch's OpenMP pool made a DCGAN step ~2x slower.
/// </summary>
public static class ThreadSettings
{
    /// <summary>Intra-op threads applied when the native library loads.</summary>
    public static int DefaultIntraOpThreads => ReadEnv("AIGC_NUM_THREADS") ?? Environment.ProcessorCount;

    /// <summary>BLAS threads applied when the native library loads.</summary>
    public static int DefaultBlasThreads => ReadEnv("AIGC_BLAS_THREADS") ?? 1;

    private static int? ReadEnv(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int n) && n > 0 ? n : null;
}
