using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>Turns the shim's status codes into <see cref="TorchException"/>s.</summary>
internal static class NativeStatus
{
    public static void Check(int status)
    {
        if (status != 0) throw new TorchException(LastError());
    }

    public static string LastError() =>
        Marshal.PtrToStringUTF8(EngineNative.Engine_last_error()) ?? "unknown native error";
}
