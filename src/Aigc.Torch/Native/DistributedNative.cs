using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>Mirrors src/native/src/distributed.cpp.</summary>
internal static partial class DistributedNative
{
    private const string Lib = EngineNative.Lib;

    [LibraryImport(Lib)] internal static partial int Dist_available();
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Dist_init(string host, int port, int rank, int world, long timeoutMs, int hostStore, string prefix, out IntPtr group);
    [LibraryImport(Lib)] internal static partial void Dist_free(IntPtr group);
    [LibraryImport(Lib)] internal static partial int Dist_all_reduce(IntPtr group, IntPtr[] tensors, int count, int op, long bucketBytes);
    [LibraryImport(Lib)] internal static partial int Dist_average_gradients(IntPtr group, IntPtr[] parameters, int count, long bucketBytes);
    [LibraryImport(Lib)] internal static partial int Dist_broadcast(IntPtr group, IntPtr[] tensors, int count, int root, long bucketBytes);
    [LibraryImport(Lib)] internal static partial int Dist_all_gather(IntPtr group, TensorHandle input, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Dist_barrier(IntPtr group);
    [LibraryImport(Lib)] internal static partial int Dist_reducer_new(IntPtr group, IntPtr[] parameters, int count, long bucketBytes, out IntPtr reducer);
    [LibraryImport(Lib)] internal static partial int Dist_reducer_arm(IntPtr reducer);
    [LibraryImport(Lib)] internal static partial int Dist_reducer_finish(IntPtr reducer);
    [LibraryImport(Lib)] internal static partial void Dist_reducer_free(IntPtr reducer);
}
