namespace Aigc.Torch.Nn;

/// <summary>2-D convolution: (N, in, H, W) → (N, out, H', W'),
/// H' = ⌊(H + 2·padding - dilation·(k - 1) - 1) / stride⌋ + 1. Weight (out, in/groups, k, k).</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly long[] _stride, _padding, _dilation;
    private readonly long _groups;

    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0,
        long dilation = 1, long groups = 1, bool hasBias = true, Device? device = null)
    {
        ConvArguments.Check(inChannels, outChannels, kernelSize, groups);
        (_stride, _padding, _dilation, _groups) = ([stride, stride], [padding, padding], [dilation, dilation], groups);
        using var scope = DisposeScope.Enter();
        weight = new Parameter(Tensor.Empty([outChannels, inChannels / groups, kernelSize, kernelSize], device: device));
        bias = hasBias ? new Parameter(Tensor.Empty([outChannels], device: device)) : null;
        Init.DefaultLayer(weight, bias);
    }

    /// <summary>The (out, in/groups, k, k) weight.</summary>
    public Parameter Weight => weight;

    /// <summary>The (out) bias, if any.</summary>
    public Parameter? Bias => bias;

    /// <summary>The step between kernel positions (both axes).</summary>
    public long Stride => _stride[0];

    /// <summary>The zeros added on each side (both axes).</summary>
    public long Padding => _padding[0];

    /// <summary>The spacing of kernel taps (both axes).</summary>
    public long Dilation => _dilation[0];

    /// <summary>The number of channel groups.</summary>
    public long Groups => _groups;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.Conv2d(input, weight, bias, _stride, _padding, _dilation, _groups);
}

/// <summary>2-D transposed convolution: (N, in, H, W) → (N, out, H', W'),
/// H' = (H - 1)·stride - 2·padding + dilation·(k - 1) + outputPadding + 1. Weight (in, out/groups, k, k).</summary>
public sealed class ConvTranspose2d : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly long[] _stride, _padding, _outputPadding, _dilation;
    private readonly long _groups;

    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public ConvTranspose2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0,
        long outputPadding = 0, long groups = 1, bool hasBias = true, long dilation = 1, Device? device = null)
    {
        ConvArguments.Check(inChannels, outChannels, kernelSize, groups);
        (_stride, _padding, _outputPadding, _dilation, _groups) =
            ([stride, stride], [padding, padding], [outputPadding, outputPadding], [dilation, dilation], groups);
        using var scope = DisposeScope.Enter();
        weight = new Parameter(Tensor.Empty([inChannels, outChannels / groups, kernelSize, kernelSize], device: device));
        bias = hasBias ? new Parameter(Tensor.Empty([outChannels], device: device)) : null;
        Init.DefaultLayer(weight, bias);
    }

    /// <summary>The (in, out/groups, k, k) weight.</summary>
    public Parameter Weight => weight;

    /// <summary>The (out) bias, if any.</summary>
    public Parameter? Bias => bias;

    /// <summary>The step between kernel positions (both axes).</summary>
    public long Stride => _stride[0];

    /// <summary>The zeros added on each side (both axes).</summary>
    public long Padding => _padding[0];

    /// <summary>The spacing of kernel taps (both axes).</summary>
    public long Dilation => _dilation[0];

    /// <summary>The number of channel groups.</summary>
    public long Groups => _groups;

    /// <summary>The extra rows and columns added to one side of the output (both axes).</summary>
    public long OutputPadding => _outputPadding[0];

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) =>
        F.ConvTranspose2d(input, weight, bias, _stride, _padding, _outputPadding, _dilation, _groups);
}

/// <summary>Argument checks shared by the convolution layers.</summary>
internal static class ConvArguments
{
    public static void Check(long inChannels, long outChannels, long kernelSize, long groups)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"groups ({groups}) must divide inChannels ({inChannels}) and outChannels ({outChannels}).", nameof(groups));
    }
}
