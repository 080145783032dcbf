namespace Aigc.Torch.Tests;

/// <summary>A fact that runs only where libtorch sees a CUDA device, and otherwise shows as
/// skipped with the reason.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!Device.CudaAvailable)
            Skip = "No CUDA device: this libtorch has no CUDA or no GPU is visible (build with LIBTORCH_DIR=<CUDA libtorch>; see docs/gpu.md).";
    }
}

/// <summary>A fact that needs Debian's /usr/bin/python3 (the independent reference); skipped
/// with the reason where it is absent.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (TestUtil.Python is null) Skip = "/usr/bin/python3 is absent: run scripts/setup.sh to install the reference tools.";
    }
}
