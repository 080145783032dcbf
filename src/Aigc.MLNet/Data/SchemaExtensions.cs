using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Data;

/// <summary>Checks and builds ML.NET schemas the way our estimators and transformers need them.</summary>
internal static class SchemaExtensions
{
    /// <summary>The visible columns as "Name: Type, ...", for error messages.</summary>
    public static string Describe(this DataViewSchema schema)
    {
        var visible = schema.Where(c => !c.IsHidden).Select(c => $"{c.Name}: {c.Type}").ToList();
        return visible.Count == 0 ? "(no columns)" : string.Join(", ", visible);
    }

    /// <summary>The visible columns of a schema shape as "Name: kind and item type", for error messages.</summary>
    public static string Describe(this SchemaShape shape) =>
        shape.Count == 0 ? "(no columns)" : string.Join(", ", shape.Select(c => $"{c.Name}: {SchemaShapes.Describe(c)}"));

    /// <summary>Checks that <paramref name="name"/> exists with a type accepted by <paramref name="accept"/>.</summary>
    /// <exception cref="SchemaMismatchException">The column is missing or of another type.</exception>
    public static DataViewSchema.Column Require(this DataViewSchema schema, string name, string expected, Func<DataViewType, bool> accept)
    {
        var column = schema.GetColumnOrNull(name) ?? throw new SchemaMismatchException(name, expected, null, schema);
        if (!accept(column.Type)) throw new SchemaMismatchException(name, expected, column.Type, schema);
        return column;
    }

    /// <summary>Checks that <paramref name="name"/> exists with exactly <paramref name="type"/>.</summary>
    public static DataViewSchema.Column Require(this DataViewSchema schema, string name, DataViewType type) =>
        schema.Require(name, $"{type}", t => t.Equals(type));

    /// <summary>Checks a column against a requirement.</summary>
    public static DataViewSchema.Column Require(this DataViewSchema schema, ColumnRequirement requirement) =>
        schema.Require(requirement.Name, requirement.Expected, requirement.Accepts);

    /// <summary>The input's columns followed by <paramref name="outputs"/>; an output named like an input
    /// column hides it, as in ML.NET.</summary>
    public static DataViewSchema Append(this DataViewSchema schema, IEnumerable<(string Name, DataViewType Type)> outputs)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(schema);
        foreach (var (name, type) in outputs) builder.AddColumn(name, type);
        return builder.ToSchema();
    }

    /// <summary>A schema of just these columns.</summary>
    public static DataViewSchema Create(IEnumerable<(string Name, DataViewType Type)> columns) =>
        new DataViewSchema.Builder().ToSchema().Append(columns);

    /// <summary>Checks <paramref name="name"/> in a validation view against the training view's column.</summary>
    public static void RequireSame(this DataViewSchema validation, DataViewSchema train, string name)
    {
        var expected = train[name].Type;
        validation.Require(name, $"{expected} (as in the training data)", t => t.Equals(expected));
    }
}
