using System.Text.Json.Nodes;
using Aigc.MLNet.Data;
using Aigc.MLNet.ModelFiles;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Pipeline;

namespace Aigc.MLNet.Transforms;

/// <summary>Where scaled pixel values land.</summary>
public enum PixelScale
{
    /// <summary>[0, 1]: value / 255.</summary>
    ZeroToOne,
    /// <summary>[-1, 1]: value / 127.5 - 1 (for tanh generators).</summary>
    MinusOneToOne,
}

/// <summary>Image columns are vectors shaped (channels, height, width), as ML.NET's ExtractPixels makes them.</summary>
internal static class ImageShape
{
    public static (int C, int H, int W)? Of(DataViewType type) =>
        type is VectorDataViewType { Dimensions.Length: 3 } v && v.Dimensions[0] is 1 or 3
            ? (v.Dimensions[0], v.Dimensions[1], v.Dimensions[2]) : null;

    /// <summary>The Single image vector type of a shape.</summary>
    public static VectorDataViewType SingleType((int C, int H, int W) s) => new(NumberDataViewType.Single, s.C, s.H, s.W);

    /// <summary>True for an image of Single values or of Byte pixels (which models scale into their own range)
    /// whose height and width are divisible by <paramref name="divisor"/>.</summary>
    public static bool IsModelInput(DataViewType type, int divisor = 1) =>
        Of(type) is { } s && IsSingleOrByte(type) && s.H % divisor == 0 && s.W % divisor == 0;

    /// <summary>True for a vector of Byte pixels.</summary>
    public static bool IsBytes(DataViewType type) => type is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Byte;

    /// <summary>The view with a Byte image column scaled to Single in the model's range (unchanged when already Single).</summary>
    public static IDataView AsSingle(IDataView data, string column, PixelScale scale) =>
        IsBytes(data.Schema[column].Type) ? new PixelScalingTransformer(column, column, scale).Transform(data) : data;

    private static bool IsSingleOrByte(DataViewType type) =>
        type is VectorDataViewType { ItemType: var item } && (item == NumberDataViewType.Single || item == NumberDataViewType.Byte);
}

/// <summary>
/// Converts byte pixels (0..255), e.g. from <c>mlContext.Data.LoadFromIdx</c>, to Single values in
/// [0, 1] or [-1, 1], keeping the (channels, height, width) shape. (For <c>MLImage</c> columns use
/// ML.NET's <c>ExtractPixels</c>, whose <c>scaleImage</c> and <c>offsetImage</c> do the same.)
/// </summary>
public sealed class PixelScalingTransformer : BatchedTransformer
{
    private const string Expected = "an image vector of Byte shaped (1 or 3, height, width)";

    internal PixelScalingTransformer(string inputColumn, string outputColumn, PixelScale scale)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputColumn);
        ArgumentException.ThrowIfNullOrEmpty(outputColumn);
        (InputColumn, OutputColumn, Scale) = (inputColumn, outputColumn, scale);
    }

    /// <summary>The byte image column read.</summary>
    public string InputColumn { get; }

    /// <summary>The Single image column written.</summary>
    public string OutputColumn { get; }

    /// <summary>The output range.</summary>
    public PixelScale Scale { get; }

    /// <summary>The family name in model files.</summary>
    public const string FamilyName = "pixel-scaling";

    /// <inheritdoc />
    public override string Family => FamilyName;

    /// <inheritdoc />
    public override ModelContents GetContents()
    {
        var options = new JsonObject { ["inputColumn"] = InputColumn, ["outputColumn"] = OutputColumn, ["scale"] = Scale.ToString() };
        return new ModelContents(options, [(InputColumn, new VectorDataViewType(NumberDataViewType.Byte))],
            [(OutputColumn, new VectorDataViewType(NumberDataViewType.Single))], new TrainingSummary(), new Dictionary<string, Aigc.Torch.Tensor>());
    }

    internal static ITransformer Load(ModelPackage package, GenerativeCatalog context)
    {
        var o = package.Manifest.Options;
        string Text(string name) => o[name]?.GetValue<string>() is { Length: > 0 } v ? v : throw new InvalidDataException($"Pixel scaling option '{name}' is missing.");
        if (!Enum.TryParse<PixelScale>(Text("scale"), out var scale) || !Enum.IsDefined(scale))
            throw new InvalidDataException($"Pixel scaling option 'scale' is '{Text("scale")}', not one of {string.Join(", ", Enum.GetNames<PixelScale>())}.");
        return new PixelScalingTransformer(Text("inputColumn"), Text("outputColumn"), scale);
    }

    internal ColumnRequirement Requirement => new(InputColumn, Expected,
        t => ImageShape.Of(t) is not null && ((VectorDataViewType)t).ItemType == NumberDataViewType.Byte,
        c => c.Kind == SchemaShape.Column.VectorKind.Vector && c.ItemType == NumberDataViewType.Byte);

    internal SchemaShape OutputShape(SchemaShape input)
    {
        Requirement.Check(input);
        return SchemaShapes.Append(input, [(OutputColumn, new VectorDataViewType(NumberDataViewType.Single, 1))]);
    }

    private protected override BatchMapping CreateMapping(DataViewSchema input)
    {
        var column = input.Require(Requirement);
        var type = ImageShape.SingleType(ImageShape.Of(column.Type)!.Value);
        return new BatchMapping(input, [InputColumn], [(OutputColumn, type)], batchSize: 64, batch =>
        {
            using var scope = Aigc.Torch.DisposeScope.Enter();
            return [RowBatch.VectorRows(batch.Floats(InputColumn, Aigc.Torch.Device.Cpu, Scale))];
        });
    }
}
