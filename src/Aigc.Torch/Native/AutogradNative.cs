using System.Runtime.InteropServices;

namespace Aigc.Torch.Native;

/// <summary>Mirrors src/native/src/autograd.cpp and optim.cpp.</summary>
internal static partial class AutogradNative
{
    private const string Lib = EngineNative.Lib;

    [LibraryImport(Lib)] internal static partial int Autograd_backward(TensorHandle t, TensorHandle grad, int retainGraph, int createGraph);
    [LibraryImport(Lib)] internal static partial int Autograd_grad(TensorHandle t, out IntPtr result);
    [LibraryImport(Lib)] internal static partial int Autograd_zero_grad(IntPtr[] tensors, long count, int setToNone);

    [LibraryImport(Lib)] internal static partial int Optim_sgd_step(IntPtr[] parameters, IntPtr[] momentumBufs, IntPtr[] newBufs, long count, double lr, double momentum, double dampening, double weightDecay, int nesterov);
    [LibraryImport(Lib)] internal static partial int Optim_adam_step(IntPtr[] parameters, IntPtr[] expAvgs, IntPtr[] expAvgSqs, long count, long step, double lr, double beta1, double beta2, double eps, double weightDecay, int decoupled);
    [LibraryImport(Lib)] internal static partial int Optim_clip_grad_norm(IntPtr[] parameters, long count, double maxNorm, double normType, out double totalNorm);
    [LibraryImport(Lib)] internal static partial int Optim_ema_update(IntPtr[] shadows, IntPtr[] parameters, long count, double decay);
}
