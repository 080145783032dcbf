using System.Reflection;

namespace Aigc.MLNet.Data;

/// <summary>How the public properties of a row class map to columns, in both directions.</summary>
internal sealed class RowMapping<T>
{
    internal sealed record Member(PropertyInfo Property, string Name, DataViewType Type);

    private RowMapping(List<Member> members) => Members = members;

    public IReadOnlyList<Member> Members { get; }

    public DataViewSchema Schema => new(Members.Select(m => (m.Name, m.Type)));

    public static RowMapping<T> Create()
    {
        var members = new List<Member>();
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            if (p.IsDefined(typeof(NoColumnAttribute)) || p.GetIndexParameters().Length > 0) continue;
            var name = p.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? p.Name;
            members.Add(new Member(p, name, TypeOf(p)));
        }
        if (members.Count == 0) throw new ArgumentException($"{typeof(T).Name} has no public properties to map to columns.", nameof(T));
        return new RowMapping<T>(members);
    }

    private static DataViewType TypeOf(PropertyInfo p)
    {
        var t = p.PropertyType;
        if (t == typeof(string)) return TextDataViewType.Instance;
        if (NumberDataViewType.For(t) is { } number) return number;
        if (t.IsArray && NumberDataViewType.For(t.GetElementType()!) is { } item)
            return new VectorDataViewType(item, p.GetCustomAttribute<VectorTypeAttribute>()?.Dimensions ?? []);
        throw new ArgumentException(
            $"Property {typeof(T).Name}.{p.Name} has type {t.Name}, which has no column type (use float, double, int, long, bool, byte, string, or arrays of the numbers).",
            p.Name);
    }

    /// <summary>Checks that a view's schema can fill every property, before any row is read.</summary>
    public void CheckAgainst(DataViewSchema schema)
    {
        foreach (var m in Members)
        {
            var col = schema.GetColumnOrNull(m.Name) ?? throw new SchemaMismatchException(m.Name, m.Type.ToString(), null, schema);
            bool ok = col.Type.Equals(m.Type)
                || (m.Type is VectorDataViewType { IsKnownSize: false } want && col.Type is VectorDataViewType got && got.ItemType.Equals(want.ItemType));
            if (!ok) throw new SchemaMismatchException(m.Name, m.Type.ToString(), col.Type, schema);
        }
    }
}
