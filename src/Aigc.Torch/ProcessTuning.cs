namespace Aigc.Torch;

/// <summary>
/// Process-wide settings that make libtorch faster on the CPU, applied only when asked for:
/// <see cref="Apply"/> (or <c>GenerativeOptions.ProcessTuning</c>, which the <c>aigc</c> tool and the
/// benches turn on), or the environment variable <c>AIGC_PROCESS_TUNING=1</c>, which applies them when
/// the native library loads. Loading the library changes nothing by itself.
/// </summary>
/// <remarks>
/// Threads: libtorch's intra-op pool = cores (or <c>AIGC_NUM_THREADS</c>); OpenBLAS's threads (or
/// <c>AIGC_BLAS_THREADS</c>) = the intra-op threads when it is the OpenMP build (libopenblas0-openmp,
/// which <c>scripts/setup.sh</c> selects), which runs in libtorch's own pool (the GPT step 0.72 of the
/// time it takes with the pthreads build; docs/performance.md), and = 1 when it runs its own pthreads
/// pool (Debian's default libopenblas0-pthread: measured on 2 cores, that pool on top of libtorch's
/// made a DCGAN step ~2x slower). Memory: glibc's allocator keeps freed blocks up to 32 MiB in the heap rather
/// than unmapping them, and keeps up to 1 GiB of free heap (a conv net at batch 256 trained 2-3x
/// faster; docs/performance.md); <c>AIGC_MALLOC_TUNING=0</c> leaves the allocator alone. Both are
/// settings of the whole process, so other native code in it is affected too.
/// </remarks>
public static class ProcessTuning
{
    private static readonly object Gate = new();

    /// <summary>Intra-op threads the tuning sets.</summary>
    public static int IntraOpThreads => ReadEnv("AIGC_NUM_THREADS") ?? Environment.ProcessorCount;

    /// <summary>BLAS threads the tuning sets.</summary>
    public static int BlasThreads => ReadEnv("AIGC_BLAS_THREADS") ?? (Engine.BlasThreading == OpenMpBlas ? IntraOpThreads : 1);

    private const int OpenMpBlas = 2;

    /// <summary>Whether the tuning raises glibc's malloc thresholds (<c>AIGC_MALLOC_TUNING</c>, default on).</summary>
    public static bool MallocTuning => Environment.GetEnvironmentVariable("AIGC_MALLOC_TUNING") != "0";

    /// <summary>Blocks below this size come from the heap rather than mmap: 32 MiB, glibc's maximum.</summary>
    public static long MallocMmapThreshold => 32L << 20;

    /// <summary>Free memory at the top of the heap kept rather than returned to the OS: 1 GiB.</summary>
    public static long MallocTrimThreshold => 1L << 30;

    /// <summary>True once the tuning was applied in this process.</summary>
    public static bool Applied { get; internal set; }

    /// <summary>True when <c>AIGC_PROCESS_TUNING=1</c> asks for the tuning at load.</summary>
    internal static bool RequestedAtLoad => Environment.GetEnvironmentVariable("AIGC_PROCESS_TUNING") == "1";

    /// <summary>Applies the tuning (once; later calls do nothing).</summary>
    public static void Apply()
    {
        lock (Gate)
        {
            if (Applied) return;
            Engine.SetBlasThreads(BlasThreads);
            Engine.SetNumThreads(IntraOpThreads);
            if (MallocTuning) Engine.TuneMalloc(MallocMmapThreshold, MallocTrimThreshold);
            Applied = true;
        }
    }

    private static int? ReadEnv(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int n) && n > 0 ? n : null;
}
