using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>
/// Finds and loads <c>libaigc_torch.so</c> the first time any native call is made, checks that its
/// ABI version matches this assembly, and applies the thread defaults before libtorch starts its
/// pools.
/// </summary>
internal static class NativeLibraryLoader
{
    /// <summary>The ABI version this assembly was written against (see engine.cpp).</summary>
    internal const int ExpectedAbiVersion = 4;

    private const string FileName = "libaigc_torch.so";
    private static readonly object s_gate = new();
    private static IntPtr s_handle;

    // A library may register its own resolver at load; this is the documented use of the attribute.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != EngineNative.Lib) return IntPtr.Zero;
        lock (s_gate)
        {
            if (s_handle == IntPtr.Zero) s_handle = LoadAndCheck();
            return s_handle;
        }
    }

    private static IntPtr LoadAndCheck()
    {
        var errors = new List<string>();
        foreach (var path in CandidatePaths())
        {
            if (!File.Exists(path)) continue;
            try
            {
                var handle = NativeLibrary.Load(path);
                CheckAbi(handle, path);
                return handle;
            }
            catch (DllNotFoundException e)
            {
                errors.Add($"{path}: {e.Message}");
            }
        }
        throw new DllNotFoundException(MissingLibraryMessage(errors));
    }

    private static IEnumerable<string> CandidatePaths()
    {
        var overridePath = Environment.GetEnvironmentVariable("AIGC_TORCH_NATIVE");
        if (!string.IsNullOrEmpty(overridePath)) yield return overridePath;
        var baseDir = AppContext.BaseDirectory;
        yield return Path.Combine(baseDir, FileName);
        yield return Path.Combine(baseDir, "runtimes", "linux-x64", "native", FileName);
        var assemblyDir = Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDir)) yield return Path.Combine(assemblyDir, FileName);
    }

    private static unsafe void CheckAbi(IntPtr handle, string path)
    {
        var abi = (delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "Engine_abi_version");
        int version = abi();
        if (version != ExpectedAbiVersion)
            throw new DllNotFoundException(
                $"{path} has native ABI version {version}, but Aigc.Torch {typeof(NativeLibraryLoader).Assembly.GetName().Version} " +
                $"needs version {ExpectedAbiVersion}. Rebuild the shim (dotnet build) or install matching packages.");
        if (ProcessTuning.RequestedAtLoad) ApplyTuningAtLoad(handle);
    }

    // Only with AIGC_PROCESS_TUNING=1. Runs before any tensor exists, so libtorch's OpenMP pool starts
    // at the chosen size; raw exports because the library is still being resolved here.
    private static unsafe void ApplyTuningAtLoad(IntPtr handle)
    {
        var setBlas = (delegate* unmanaged<int, int*, int>)NativeLibrary.GetExport(handle, "Engine_set_blas_threads");
        var setThreads = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(handle, "Engine_set_num_threads");
        int applied;
        setBlas(ProcessTuning.BlasThreads, &applied);
        setThreads(ProcessTuning.IntraOpThreads);
        if (ProcessTuning.MallocTuning)
        {
            var tune = (delegate* unmanaged<long, long, int*, int>)NativeLibrary.GetExport(handle, "Engine_tune_malloc");
            tune(ProcessTuning.MallocMmapThreshold, ProcessTuning.MallocTrimThreshold, &applied);
        }
        ProcessTuning.Applied = true;
    }

    private static string MissingLibraryMessage(List<string> errors)
    {
        var detail = errors.Count == 0
            ? $"{FileName} was not found next to the application ({AppContext.BaseDirectory})."
            : string.Join("; ", errors);
        return "Could not load the Aigc.Torch native library: " + detail + Environment.NewLine +
               "Install libtorch and OpenBLAS (Debian: apt-get install -y libtorch-dev libopenblas0-openmp, " +
               "or run scripts/setup.sh), or point LIBTORCH_DIR at another libtorch and rebuild; " +
               "AIGC_TORCH_NATIVE may name the shim's full path.";
    }
}
