using Aigc.MLNet.Data;
using Aigc.Torch;

namespace Aigc.MLNet.Transforms;

/// <summary>Where scaled pixel values land.</summary>
public enum PixelScale
{
    /// <summary>[0, 1]: value / 255.</summary>
    ZeroToOne,
    /// <summary>[-1, 1]: value / 127.5 - 1 (for tanh generators).</summary>
    MinusOneToOne,
}

/// <summary>Image columns are vectors shaped (channels, height, width).</summary>
internal static class ImageShape
{
    public static (int C, int H, int W)? Of(DataViewType type) =>
        type is VectorDataViewType { Dimensions.Count: 3 } v && v.Dimensions[0] is 1 or 3
            ? (v.Dimensions[0], v.Dimensions[1], v.Dimensions[2]) : null;

    public const string Expected = "an image vector of Byte or Single shaped (1 or 3, height, width)";
}

/// <summary>Converts byte pixels (0..255) to floats in [0, 1] or [-1, 1].</summary>
public sealed class PixelScalingTransformer(string inputColumn, string outputColumn, PixelScale scale)
    : ColumnTransformer<byte[], float[]>(inputColumn, outputColumn)
{
    /// <inheritdoc />
    protected override string ExpectedInput => "an image vector of Byte shaped (1 or 3, height, width)";

    /// <inheritdoc />
    protected override DataViewType? OutputTypeFor(DataViewType inputType) =>
        ImageShape.Of(inputType) is { } s ? new VectorDataViewType(NumberDataViewType.Single, s.C, s.H, s.W) : null;

    /// <inheritdoc />
    protected override Func<byte[], float[]> MapperFor(DataViewType inputType) => value =>
    {
        var result = new float[value.Length];
        for (int i = 0; i < value.Length; i++)
            result[i] = scale == PixelScale.ZeroToOne ? value[i] / 255f : value[i] / 127.5f - 1f;
        return result;
    };
}

/// <summary>Converts RGB float images to one gray channel with the ITU-R BT.601 luma weights
/// (0.299 R + 0.587 G + 0.114 B, as PIL's "L" mode); gray input passes through.</summary>
public sealed class GrayscaleTransformer(string inputColumn, string outputColumn)
    : ColumnTransformer<float[], float[]>(inputColumn, outputColumn)
{
    /// <inheritdoc />
    protected override string ExpectedInput => "an image vector of Single shaped (1 or 3, height, width)";

    /// <inheritdoc />
    protected override DataViewType? OutputTypeFor(DataViewType inputType) =>
        ImageShape.Of(inputType) is { } s ? new VectorDataViewType(NumberDataViewType.Single, 1, s.H, s.W) : null;

    /// <inheritdoc />
    protected override Func<float[], float[]> MapperFor(DataViewType inputType)
    {
        var s = ImageShape.Of(inputType)!.Value;
        int plane = s.H * s.W;
        if (s.C == 1) return value => value;
        return value =>
        {
            var gray = new float[plane];
            for (int i = 0; i < plane; i++)
                gray[i] = 0.299f * value[i] + 0.587f * value[plane + i] + 0.114f * value[2 * plane + i];
            return gray;
        };
    }
}

/// <summary>Resizes float images with bilinear interpolation (PyTorch's, align_corners = false).</summary>
public sealed class ResizeTransformer : ColumnTransformer<float[], float[]>
{
    /// <summary>Creates the transformer.</summary>
    public ResizeTransformer(string inputColumn, string outputColumn, int width, int height) : base(inputColumn, outputColumn)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        (Width, Height) = (width, height);
    }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <inheritdoc />
    protected override string ExpectedInput => "an image vector of Single shaped (1 or 3, height, width)";

    /// <inheritdoc />
    protected override DataViewType? OutputTypeFor(DataViewType inputType) =>
        ImageShape.Of(inputType) is { } s ? new VectorDataViewType(NumberDataViewType.Single, s.C, Height, Width) : null;

    /// <inheritdoc />
    protected override Func<float[], float[]> MapperFor(DataViewType inputType)
    {
        var s = ImageShape.Of(inputType)!.Value;
        return value =>
        {
            using var scope = DisposeScope.Enter();
            using var noGrad = Engine.NoGrad();
            var x = Tensor.FromArray(value, 1, s.C, s.H, s.W);
            return F.Interpolate(x, Height, Width, InterpolationMode.Bilinear).ToArray<float>();
        };
    }
}
