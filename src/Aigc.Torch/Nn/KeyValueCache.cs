namespace Aigc.Torch.Nn;

/// <summary>
/// The keys and values one attention layer has already computed, so incremental decoding attends to
/// them instead of recomputing the whole prefix. Storage is allocated once, (B, heads, capacity,
/// head size), and filled slot by slot; <see cref="Length"/> slots are in use.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    private Tensor _keys;
    private Tensor _values;

    /// <summary>Allocates empty storage for <paramref name="capacity"/> positions.</summary>
    public KeyValueCache(long batch, long heads, long capacity, long headSize, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _keys = Tensor.Zeros([batch, heads, capacity, headSize], dtype, device).DetachFromDisposeScope();
        _values = Tensor.Zeros([batch, heads, capacity, headSize], dtype, device).DetachFromDisposeScope();
        Capacity = capacity;
    }

    /// <summary>Positions the storage holds.</summary>
    public long Capacity { get; }

    /// <summary>Positions filled so far.</summary>
    public long Length { get; private set; }

    /// <summary>Writes (B, heads, t, head size) keys and values after the filled positions and returns
    /// views of everything filled, (B, heads, Length, head size).</summary>
    /// <exception cref="InvalidOperationException">The new positions do not fit.</exception>
    public (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
    {
        long t = keys.Size(2);
        if (Length + t > Capacity)
            throw new InvalidOperationException($"The key/value cache holds {Capacity} positions; {Length} are filled and {t} more do not fit.");
        using (var kSlot = _keys.Narrow(2, Length, t)) kSlot.CopyFrom(keys);
        using (var vSlot = _values.Narrow(2, Length, t)) vSlot.CopyFrom(values);
        Length += t;
        return (_keys.Narrow(2, 0, Length), _values.Narrow(2, 0, Length));
    }

    /// <summary>Keeps the batch rows <paramref name="rows"/> (Int64, in the new order), e.g. the
    /// surviving beams of a beam search.</summary>
    public void Reorder(Tensor rows)
    {
        var k = _keys.IndexSelect(0, rows).DetachFromDisposeScope();
        var v = _values.IndexSelect(0, rows).DetachFromDisposeScope();
        _keys.Dispose();
        _values.Dispose();
        (_keys, _values) = (k, v);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _keys.Dispose();
        _values.Dispose();
    }
}
