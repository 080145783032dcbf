using System.Reflection;

namespace Aigc.MLNet.Tests;

/// <summary>In-memory views for tests, column by column: scalars as T[], fixed-size vectors as T[][]
/// (one array per row), text as string[].</summary>
internal static class TestData
{
    private static readonly MethodInfo VectorsMethod = typeof(TestData).GetMethod(nameof(Vectors), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo ScalarsMethod = typeof(TestData).GetMethod(nameof(Scalars), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static IDataView View(IEnumerable<(string Name, DataViewType Type, Array Values)> columns)
    {
        var list = columns.ToList();
        long rows = list.Count == 0 ? 0 : list[0].Values.Length;
        Assert.All(list, c => Assert.Equal(rows, c.Values.Length));
        return new IndexedDataView(rows, list.Select(c => c.Type switch
        {
            TextDataViewType => IndexedColumn.Texts(c.Name, (string[])c.Values),
            VectorDataViewType v => (IndexedColumn)VectorsMethod.MakeGenericMethod(v.ItemType.RawType).Invoke(null, [c.Name, v, c.Values])!,
            _ => (IndexedColumn)ScalarsMethod.MakeGenericMethod(c.Type.RawType).Invoke(null, [c.Name, c.Type, c.Values])!,
        }).ToList());
    }

    /// <summary>Every row's value of a text column.</summary>
    public static List<string> Texts(IDataView view, string column)
    {
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor([col]);
        var get = cursor.GetGetter<ReadOnlyMemory<char>>(col);
        var result = new List<string>();
        ReadOnlyMemory<char> value = default;
        while (cursor.MoveNext())
        {
            get(ref value);
            result.Add(value.ToString());
        }
        return result;
    }

    /// <summary>Every row's value of a Single vector column, densely.</summary>
    public static float[][] Floats(IDataView view, string column)
    {
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor([col]);
        var get = cursor.GetGetter<VBuffer<float>>(col);
        var result = new List<float[]>();
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            get(ref value);
            result.Add(value.DenseValues().ToArray());
        }
        return [.. result];
    }

    /// <summary>The visible columns as "Name: Type, ..." (ML.NET's type names).</summary>
    public static string Describe(DataViewSchema schema) => schema.Describe();

    private static IndexedColumn Vectors<T>(string name, VectorDataViewType type, T[][] rows)
    {
        Assert.All(rows, r => Assert.Equal(type.Size, r.Length));
        return IndexedColumn.Vectors(name, type, rows.SelectMany(r => r).ToArray());
    }

    private static IndexedColumn Scalars<T>(string name, DataViewType type, T[] values) => IndexedColumn.Scalars(name, type, values);
}

/// <summary>ML.NET contexts whose generative models run on the CPU, as the tests expect.</summary>
internal static class Cpu
{
    public static MLContext Context(int seed = 0)
    {
        var ml = new MLContext(seed);
        ml.Generative(new GenerativeOptions { Device = Device.Cpu });
        return ml;
    }
}
