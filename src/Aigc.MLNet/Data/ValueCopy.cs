using System.Reflection;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Data;

/// <summary>Copies one column value into storage of its own, so buffered rows never alias a buffer
/// that a cursor reuses (ML.NET's getters may hand out the same VBuffer arrays row after row).</summary>
internal static class ValueCopy
{
    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>, reusing the destination's arrays.</summary>
    public delegate void Copier<T>(in T source, ref T destination);

    /// <summary>The copier for values of <typeparamref name="T"/>.</summary>
    public static Copier<T> For<T>() => Cache<T>.Copy;

    /// <summary>Writes <paramref name="values"/> into <paramref name="destination"/> as a dense vector.</summary>
    public static void ToVBuffer<T>(ReadOnlySpan<T> values, ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, values.Length);
        values.CopyTo(editor.Values);
        destination = editor.Commit();
    }

    /// <summary>The dense values of a vector into <paramref name="destination"/> (zeros where sparse).</summary>
    public static void ToDense<T>(in VBuffer<T> source, Span<T> destination)
    {
        if (source.IsDense) source.GetValues().CopyTo(destination);
        else source.CopyTo(destination);
    }

    private static class Cache<T>
    {
        public static readonly Copier<T> Copy = Create();

        private static Copier<T> Create()
        {
            var t = typeof(T);
            if (t == typeof(ReadOnlyMemory<char>))
                return (Copier<T>)(object)new Copier<ReadOnlyMemory<char>>((in ReadOnlyMemory<char> s, ref ReadOnlyMemory<char> d) => d = s.ToString().AsMemory());
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(VBuffer<>))
                return (Copier<T>)typeof(ValueCopy).GetMethod(nameof(VectorCopier), BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(t.GetGenericArguments()[0]).Invoke(null, null)!;
            return (in T s, ref T d) => d = s;
        }
    }

    private static Copier<VBuffer<TItem>> VectorCopier<TItem>() => (in VBuffer<TItem> s, ref VBuffer<TItem> d) => s.CopyTo(ref d);
}
