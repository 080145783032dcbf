using Aigc.MLNet.Data;
using Aigc.MLNet.Transforms;

namespace Aigc.MLNet.Tests;

public class PipelineTests
{
    public sealed class RawImage
    {
        [VectorType(3, 2, 2)]
        public byte[] Image { get; set; } = [];
    }

    public sealed class Scaled
    {
        [VectorType(1, 4, 4)]
        public float[] Gray { get; set; } = [];
    }

    private static IDataView Images(AigcContext ctx) => ctx.Data.LoadFromEnumerable(new[]
    {
        new RawImage { Image = [255, 255, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0] }, // red top row, green bottom row
    });

    [Fact]
    public void Chain_ScalesGraysAndResizes()
    {
        var ctx = new AigcContext(seed: 1);
        var pipeline = ctx.Transforms.ScaleImagePixels("Image", "Pixels")
            .Append(ctx.Transforms.ConvertToGrayscale("Pixels", "Gray"))
            .Append(ctx.Transforms.ResizeImages("Gray", width: 4, height: 4));
        var data = Images(ctx);
        Assert.Equal("Image: Vector<Byte, 3x2x2>, Pixels: Vector<Single, 3x2x2>, Gray: Vector<Single, 1x4x4>",
            pipeline.GetOutputSchema(data.Schema).ToString());
        var model = pipeline.Fit(data);
        Assert.IsType<ResizeTransformer>(model.LastTransformer);
        var gray = ctx.Data.CreateEnumerable<Scaled>(model.Transform(data)).Single().Gray;
        // Rows 0-1 come from red (0.299), rows 2-3 from green (0.587), blended at the seam.
        Assert.Equal(0.299f, gray[0], 5);
        Assert.Equal(0.587f, gray[15], 5);
        Assert.InRange(gray[4], 0.299f, 0.587f);
    }

    [Fact]
    public void GetOutputSchema_RejectsMissingAndMistypedColumns_BeforeFitting()
    {
        var ctx = new AigcContext(seed: 1);
        var data = Images(ctx);
        var missing = Assert.Throws<SchemaMismatchException>(() => ctx.Transforms.ConvertToGrayscale("Nope").GetOutputSchema(data.Schema));
        Assert.Contains("column 'Nope'", missing.Message);
        Assert.Contains("the input has: Image: Vector<Byte, 3x2x2>", missing.Message);
        var mistyped = Assert.Throws<SchemaMismatchException>(() => ctx.Transforms.ConvertToGrayscale("Image").Fit(data));
        Assert.Contains("expected an image vector of Single", mistyped.Message);
        Assert.Contains("got Vector<Byte, 3x2x2>", mistyped.Message);
        var chain = ctx.Transforms.ScaleImagePixels("Image").Append(ctx.Transforms.NormalizeText("Image"));
        Assert.Throws<SchemaMismatchException>(() => chain.Fit(data));
    }

    [Fact]
    public void PixelScaling_ToMinusOneOne()
    {
        var ctx = new AigcContext(seed: 1);
        var t = ctx.Transforms.ScaleImagePixels("Image", "P", PixelScale.MinusOneToOne).Fit(Images(ctx));
        var view = t.Transform(Images(ctx));
        using var cursor = view.GetRowCursor(view.Schema);
        var get = cursor.GetGetter<float[]>(view.Schema["P"]);
        Assert.True(cursor.MoveNext());
        float[] p = [];
        get(ref p);
        Assert.Equal([1f, 1f, -1f, -1f], p[..4]);
    }

    [Fact]
    public void TextNormalizer_CollapsesWhitespaceAndComposes()
    {
        var t = new TextNormalizingTransformer("T", "N", lowerCase: true);
        var ctx = new AigcContext(seed: 1);
        var view = new ArrayDataView([("T", TextDataViewType.Instance, new[] { "  Caf\u0065\u0301   AU\tLAIT \n" })]);
        using var cursor = t.Transform(view).GetRowCursor(t.GetOutputSchema(view.Schema));
        var get = cursor.GetGetter<string>(t.GetOutputSchema(view.Schema)["N"]);
        Assert.True(cursor.MoveNext());
        string s = "";
        get(ref s);
        Assert.Equal("caf\u00e9 au lait", s);
    }

    [Fact]
    public void Context_ReportsDeviceChoiceAndLogs()
    {
        var ctx = new AigcContext(seed: 1);
        Assert.False(string.IsNullOrEmpty(ctx.DeviceReason));
        var explicitCtx = new AigcContext(seed: 1, device: Device.Cpu);
        Assert.Equal(Device.Cpu, explicitCtx.Device);
        Assert.Contains("chosen by the caller", explicitCtx.DeviceReason);
    }
}

public class TokenizationHookTests
{
    /// <summary>A stand-in tokenizer: one id per UTF-16 code unit below 128.</summary>
    private sealed class AsciiTokenizer : ITokenizer
    {
        public int VocabularySize => 128;

        public long[] Encode(string text) => text.Select((c, i) => c < 128 ? c : throw new ArgumentException($"character '{c}' at {i} is not ASCII", nameof(text))).Select(c => (long)c).ToArray();

        public string Decode(ReadOnlySpan<long> ids) => new(ids.ToArray().Select(i => (char)i).ToArray());
    }

    public sealed class Row
    {
        public string Text { get; set; } = "";
    }

    public sealed class Tokens
    {
        public long[] TextTokens { get; set; } = [];
    }

    [Fact]
    public void TokenizeText_ProducesVariableLengthIds_Lazily()
    {
        var ctx = new AigcContext(seed: 1);
        var data = ctx.Data.LoadFromEnumerable(new[] { new Row { Text = "hi" }, new Row { Text = "abc" } });
        var est = ctx.Transforms.NormalizeText("Text").Append(ctx.Transforms.TokenizeText("Text", new AsciiTokenizer()));
        Assert.Equal("Vector<Int64>", est.GetOutputSchema(data.Schema)["TextTokens"].Type.ToString());
        var rows = ctx.Data.CreateEnumerable<Tokens>(est.Fit(data).Transform(data)).ToList();
        Assert.Equal([104L, 105], rows[0].TextTokens);
        Assert.Equal(3, rows[1].TextTokens.Length);
        var bad = ctx.Data.LoadFromEnumerable(new[] { new Row { Text = "é" } });
        var view = est.Fit(bad).Transform(bad); // lazy: nothing encoded yet
        Assert.Contains("is not ASCII", Assert.Throws<ArgumentException>(() => ctx.Data.CreateEnumerable<Tokens>(view).ToList()).Message);
    }
}
