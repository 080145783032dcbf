using Aigc.MLNet.Data;

namespace Aigc.MLNet.Tests;

public class DataViewTests
{
    public sealed class ImageRow
    {
        [VectorType(1, 2, 2)]
        public float[] Pixels { get; set; } = [];

        public long Label { get; set; }

        [ColumnName("Caption")]
        public string Text { get; set; } = "";

        [NoColumn]
        public int Ignored { get; set; }
    }

    public sealed class TokensRow
    {
        public long[] Tokens { get; set; } = [];
    }

    private static ImageRow[] Rows(int n) => Enumerable.Range(0, n)
        .Select(i => new ImageRow { Pixels = [i, i + 0.5f, -i, 1], Label = i % 3, Text = $"row {i}" }).ToArray();

    [Fact]
    public void LoadFromEnumerable_MapsPropertiesToTypedColumns()
    {
        var ctx = new AigcContext(seed: 1);
        var view = ctx.Data.LoadFromEnumerable(Rows(3));
        Assert.Equal("Pixels: Vector<Single, 1x2x2>, Label: Int64, Caption: Text", view.Schema.ToString());
        Assert.Equal(3, view.GetRowCount());
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Int64), ctx.Data.LoadFromEnumerable(new[] { new TokensRow() }).Schema["Tokens"].Type);
    }

    [Fact]
    public void CreateEnumerable_RoundTripsRows()
    {
        var ctx = new AigcContext(seed: 1);
        var rows = Rows(5);
        var back = ctx.Data.CreateEnumerable<ImageRow>(ctx.Data.LoadFromEnumerable(rows)).ToList();
        Assert.Equal(rows.Select(r => (r.Label, r.Text, string.Join(",", r.Pixels))),
                     back.Select(r => (r.Label, r.Text, string.Join(",", r.Pixels))));
    }

    [Fact]
    public void CreateEnumerable_WithMissingOrMistypedColumn_ThrowsBeforeReading()
    {
        var ctx = new AigcContext(seed: 1);
        var tokens = ctx.Data.LoadFromEnumerable(new[] { new TokensRow() });
        var e = Assert.Throws<SchemaMismatchException>(() => ctx.Data.CreateEnumerable<ImageRow>(tokens));
        Assert.Equal("Pixels", e.Column);
        Assert.Contains("was not found", e.Message);
        var wrong = new ArrayDataView([("Pixels", NumberDataViewType.Single, new float[] { 1 }), ("Label", NumberDataViewType.Int64, new long[] { 1 }), ("Caption", TextDataViewType.Instance, new[] { "a" })]);
        var e2 = Assert.Throws<SchemaMismatchException>(() => ctx.Data.CreateEnumerable<ImageRow>(wrong));
        Assert.Contains("expected Vector<Single, 1x2x2>, got Single", e2.Message);
    }

    [Fact]
    public void FixedSizeVector_OfWrongLength_IsReportedWithRowAndColumn()
    {
        var ctx = new AigcContext(seed: 1);
        var bad = new[] { new ImageRow { Pixels = [1, 2, 3] } };
        var e = Assert.Throws<InvalidDataException>(() => ctx.Data.CreateEnumerable<ImageRow>(ctx.Data.LoadFromEnumerable(bad)).ToList());
        Assert.Contains("Row 0, column 'Pixels': expected 4 values", e.Message);
    }

    [Fact]
    public void Views_AreLazy_EachCursorReadsAgain()
    {
        var ctx = new AigcContext(seed: 1);
        int produced = 0;
        IEnumerable<ImageRow> Source() { foreach (var r in Rows(4)) { produced++; yield return r; } }
        var view = ctx.Data.LoadFromEnumerable(Source());
        var scaled = ctx.Transforms.NormalizeText("Caption", "Upper", lowerCase: true).Fit(view).Transform(view);
        Assert.Equal(0, produced); // building the pipeline read nothing
        Assert.Null(scaled.GetRowCount());
        Assert.Equal(4, ctx.Data.CreateEnumerable<ImageRow>(scaled).Count());
        Assert.Equal(4, produced);
        Assert.Equal(4, ctx.Data.CreateEnumerable<ImageRow>(scaled).Count());
        Assert.Equal(8, produced);
    }

    [Fact]
    public void Streaming_LargerThanMemoryBudget_ReadsOneRowAtATime()
    {
        // 20,000 rows of 64 KiB each would be 1.25 GiB if materialised; streaming keeps a handful alive.
        var ctx = new AigcContext(seed: 1);
        IEnumerable<TokensRow> Source() { for (int i = 0; i < 20_000; i++) yield return new TokensRow { Tokens = new long[8192] }; }
        var view = ctx.Data.LoadFromEnumerable(Source());
        long before = GC.GetTotalMemory(forceFullCollection: true), peak = 0, count = 0;
        foreach (var row in ctx.Data.CreateEnumerable<TokensRow>(view))
        {
            count += row.Tokens.Length / 8192;
            if (count % 2000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - before);
        }
        Assert.Equal(20_000, count);
        Assert.True(peak < 64L << 20, $"peak managed growth {peak >> 20} MiB");
    }

    [Fact]
    public void ShuffleRows_IsSeededAndAPermutation()
    {
        var ctx = new AigcContext(seed: 1);
        var view = ctx.Data.Cache(ctx.Data.LoadFromEnumerable(Rows(50)));
        long[] Order(IDataView v) => ctx.Data.CreateEnumerable<ImageRow>(v).Select(r => (long)r.Pixels[0]).ToArray();
        var a = Order(ctx.Data.ShuffleRows(view, seed: 7));
        Assert.Equal(a, Order(ctx.Data.ShuffleRows(view, seed: 7)));
        Assert.NotEqual(a, Order(ctx.Data.ShuffleRows(view, seed: 8)));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), a.Order());
        // A streaming (non-shufflable) source goes through a pool and is still a permutation.
        var pooled = Order(ctx.Data.ShuffleRows(ctx.Data.LoadFromEnumerable(Rows(50)), seed: 7, poolSize: 8));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), pooled.Order());
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => (long)i), pooled);
    }

    [Fact]
    public void TrainTestSplit_IsDisjointCompleteAndStable()
    {
        var ctx = new AigcContext(seed: 3);
        var view = ctx.Data.LoadFromEnumerable(Rows(1000));
        var (train, test) = ctx.Data.TrainTestSplit(view, testFraction: 0.2);
        var trainIds = ctx.Data.CreateEnumerable<ImageRow>(train).Select(r => r.Pixels[0]).ToList();
        var testIds = ctx.Data.CreateEnumerable<ImageRow>(test).Select(r => r.Pixels[0]).ToList();
        Assert.Empty(trainIds.Intersect(testIds));
        Assert.Equal(1000, trainIds.Count + testIds.Count);
        Assert.InRange(testIds.Count, 160, 240);
        Assert.Equal(testIds, ctx.Data.CreateEnumerable<ImageRow>(test).Select(r => r.Pixels[0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ctx.Data.TrainTestSplit(view, 1.5));
    }

    [Fact]
    public void LoadFromIdx_FashionMnist_GivesImageAndLabelColumns()
    {
        var ctx = new AigcContext(seed: 1);
        var view = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        Assert.Equal("Image: Vector<Byte, 1x28x28>, Label: Int64", view.Schema.ToString());
        Assert.Equal(10000, view.GetRowCount());
        using var cursor = view.GetRowCursor(view.Schema);
        var label = cursor.GetGetter<long>(view.Schema["Label"]);
        Assert.True(cursor.MoveNext());
        long value = 0;
        label(ref value);
        Assert.Equal(9, value);
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<float>(view.Schema["Label"]));
    }
}
