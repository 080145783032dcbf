using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Data;

/// <summary>
/// Builds <see cref="SchemaShape"/>s for <see cref="IEstimator{TTransformer}.GetOutputSchema"/>.
/// ML.NET 5 gives <see cref="SchemaShape.Column"/> only an internal constructor, so this is the one
/// place that reaches it, by reflection; a test fails loudly if a future ML.NET changes it.
/// </summary>
internal static class SchemaShapes
{
    private static readonly ConstructorInfo ColumnConstructor = typeof(SchemaShape.Column)
        .GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance)
        .SingleOrDefault(c => c.GetParameters().Select(p => p.ParameterType).SequenceEqual(
            [typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape)]))
        ?? throw new InvalidOperationException(
            "This version of Microsoft.ML has no SchemaShape.Column(string, VectorKind, DataViewType, bool, SchemaShape) constructor; Aigc.MLNet needs Microsoft.ML 5.");

    /// <summary>A schema-shape column.</summary>
    public static SchemaShape.Column Column(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey) =>
        (SchemaShape.Column)ColumnConstructor.Invoke([name, kind, itemType, isKey, null]);

    /// <summary>The schema-shape column of a full type.</summary>
    public static SchemaShape.Column Column(string name, DataViewType type) => type switch
    {
        VectorDataViewType v => Column(name, v.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector,
            ItemOf(v.ItemType), v.ItemType is KeyDataViewType),
        _ => Column(name, SchemaShape.Column.VectorKind.Scalar, ItemOf(type), type is KeyDataViewType),
    };

    // A schema shape describes a key column by its raw number type with IsKey set.
    private static DataViewType ItemOf(DataViewType type) => type is KeyDataViewType k
        ? k.RawType == typeof(byte) ? NumberDataViewType.Byte : k.RawType == typeof(ushort) ? NumberDataViewType.UInt16
        : k.RawType == typeof(ulong) ? NumberDataViewType.UInt64 : NumberDataViewType.UInt32
        : type;

    /// <summary>The shape of a schema's visible columns (ML.NET's own SchemaShape.Create is internal).</summary>
    public static SchemaShape Of(DataViewSchema schema) =>
        new(schema.Where(c => !c.IsHidden).Select(c => Column(c.Name, c.Type)));

    /// <summary>The input shape with <paramref name="outputs"/> added (replacing same-named columns).</summary>
    public static SchemaShape Append(SchemaShape input, IEnumerable<(string Name, DataViewType Type)> outputs)
    {
        var added = outputs.Select(o => Column(o.Name, o.Type)).ToList();
        var names = added.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(added));
    }

    /// <summary>"Vector&lt;Single&gt;", "Key&lt;UInt32&gt;", ... for error messages.</summary>
    public static string Describe(SchemaShape.Column c)
    {
        string item = c.IsKey ? $"Key<{c.ItemType.RawType.Name}>" : $"{c.ItemType}";
        return c.Kind switch
        {
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}> (fixed size)",
            SchemaShape.Column.VectorKind.VariableVector => $"Vector<{item}> (variable size)",
            _ => item,
        };
    }
}
