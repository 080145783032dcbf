using Aigc.Torch;

namespace Aigc.MLNet.Diffusion;

/// <summary>The parts of the schedule that need libtorch (kept out of NoiseSchedule.cs, which the
/// ONNX package compiles too).</summary>
internal sealed partial class NoiseSchedule
{
    /// <summary>The schedule <paramref name="options"/> describe.</summary>
    public static NoiseSchedule For(DiffusionOptions options) => options.Schedule == NoiseScheduleKind.Cosine
        ? Cosine(options.Timesteps)
        : Linear(options.Timesteps, options.BetaStart, options.BetaEnd);

    /// <summary>Per-row values of a table at steps <paramref name="t"/> (B), shaped (B, 1, 1, 1) for images.</summary>
    internal static Tensor Gather(double[] table, long[] t, Device device) =>
        Tensor.FromArray(t.Select(i => (float)table[i]).ToArray(), t.Length, 1, 1, 1).To(device);

    /// <summary>Noises x₀ (B, C, H, W) to steps <paramref name="t"/>: √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε.</summary>
    public Tensor AddNoise(Tensor x0, Tensor noise, long[] t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(t);
        if (t.Length != x0.Size(0)) throw new ArgumentException($"Expected {x0.Size(0)} steps, one per image, got {t.Length}.", nameof(t));
        if (t.Any(s => s < 0 || s >= Timesteps)) throw new ArgumentOutOfRangeException(nameof(t), $"steps must be in [0, {Timesteps})");
        using var scope = DisposeScope.Enter();
        var a = Gather(SqrtAlphasCumprod, t, x0.Device);
        var s = Gather(SqrtOneMinusAlphasCumprod, t, x0.Device);
        return (x0 * a + noise * s).MoveToOuterScope();
    }
}
