using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Data;

/// <summary>Reads class labels from key columns (1-based, 0 = missing) or integer columns (0-based).</summary>
internal static class LabelValues
{
    private static readonly Type[] IntegerTypes =
        [typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong)];

    /// <summary>True for an integer number type.</summary>
    public static bool IsIntegerType(DataViewType type) => type is NumberDataViewType && IntegerTypes.Contains(type.RawType);

    /// <summary>True for a key or integer scalar.</summary>
    public static bool IsLabelType(DataViewType type) => type is KeyDataViewType || IsIntegerType(type);

    /// <summary>A getter of 0-based class indices from <paramref name="column"/> of the current row.</summary>
    /// <exception cref="InvalidDataException">(when read) A key value is missing (0).</exception>
    public static Func<long> Reader(DataViewRow row, DataViewSchema.Column column)
    {
        bool isKey = column.Type is KeyDataViewType;
        return column.Type.RawType switch
        {
            var t when t == typeof(byte) => Make<byte>(row, column, v => v, isKey),
            var t when t == typeof(sbyte) => Make<sbyte>(row, column, v => v, isKey),
            var t when t == typeof(short) => Make<short>(row, column, v => v, isKey),
            var t when t == typeof(ushort) => Make<ushort>(row, column, v => v, isKey),
            var t when t == typeof(int) => Make<int>(row, column, v => v, isKey),
            var t when t == typeof(uint) => Make<uint>(row, column, v => v, isKey),
            var t when t == typeof(long) => Make<long>(row, column, v => v, isKey),
            var t when t == typeof(ulong) => Make<ulong>(row, column, v => checked((long)v), isKey),
            _ => throw new SchemaMismatchException(column.Name, "a class label (a key, or an integer type)", column.Type, row.Schema),
        };
    }

    private static Func<long> Make<T>(DataViewRow row, DataViewSchema.Column column, Func<T, long> widen, bool isKey)
    {
        var getter = row.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            long v = widen(value);
            return isKey ? ToClass(v, column.Name, row.Position) : v;
        };
    }

    /// <summary>The 0-based class of a 1-based key value.</summary>
    /// <exception cref="InvalidDataException">The key is missing (0).</exception>
    public static long ToClass(long key, string column, long row) => key != 0 ? key - 1
        : throw new InvalidDataException($"Label column '{column}' has a missing key value at row {row}; drop such rows (FilterRowsByMissingValues) before using them.");
}
