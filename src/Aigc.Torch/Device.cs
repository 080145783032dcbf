using Aigc.Torch.Native;

namespace Aigc.Torch;

/// <summary>The kind of device a tensor lives on.</summary>
public enum DeviceType
{
    /// <summary>Host memory and CPU kernels.</summary>
    Cpu = 0,
    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda = 1,
}

/// <summary>A device: the CPU or one CUDA GPU.</summary>
/// <param name="Type">CPU or CUDA.</param>
/// <param name="Index">The CUDA ordinal; 0 for the CPU.</param>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    /// <summary>The CPU.</summary>
    public static Device Cpu => new(DeviceType.Cpu);

    /// <summary>The CUDA GPU with the given ordinal.</summary>
    public static Device Cuda(int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new(DeviceType.Cuda, index);
    }

    /// <summary>True when libtorch was built with CUDA and at least one GPU is visible.</summary>
    public static bool CudaAvailable => CudaDeviceCount > 0;

    /// <summary>How many CUDA GPUs libtorch sees (0 for a CPU-only libtorch).</summary>
    public static int CudaDeviceCount
    {
        get
        {
            NativeStatus.Check(EngineNative.Engine_cuda_device_count(out int n));
            return n;
        }
    }

    /// <summary>CUDA GPU 0 when one is usable, else the CPU; <paramref name="reason"/> says why.</summary>
    public static Device Auto(out string reason)
    {
        int count = CudaDeviceCount;
        if (count > 0)
        {
            reason = $"CUDA is available ({count} device(s)); using cuda:0.";
            return Cuda(0);
        }
        reason = "No CUDA device is visible: this libtorch was built without CUDA or no GPU is present " +
                 "(build against a CUDA libtorch with LIBTORCH_DIR; see docs/gpu.md). Using the CPU.";
        return Cpu;
    }

    /// <summary>Parses "cpu", "cuda", "cuda:1" or "auto".</summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "auto") return Auto(out _);
        if (t == "cuda") return Cuda(0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out int i) && i >= 0)
            return Cuda(i);
        throw new ArgumentException($"Unknown device '{text}'; expected cpu, cuda, cuda:N or auto.", nameof(text));
    }

    /// <inheritdoc />
    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : $"cuda:{Index}";
}
