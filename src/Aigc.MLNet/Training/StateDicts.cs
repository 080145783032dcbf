using Aigc.Torch;

namespace Aigc.MLNet.Training;

/// <summary>Combining several state dicts into one checkpoint under prefixes, and taking them apart.</summary>
internal static class StateDicts
{
    /// <summary>Adds every entry of <paramref name="part"/> to <paramref name="into"/> as "prefix.key".</summary>
    public static void AddPrefixed(Dictionary<string, Tensor> into, string prefix, IReadOnlyDictionary<string, Tensor> part)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(part);
        foreach (var (k, v) in part) into[prefix + "." + k] = v;
    }

    /// <summary>The entries of <paramref name="state"/> under "prefix.", with the prefix removed.</summary>
    public static Dictionary<string, Tensor> Part(IReadOnlyDictionary<string, Tensor> state, string prefix)
    {
        ArgumentNullException.ThrowIfNull(state);
        var p = prefix + ".";
        return state.Where(kv => kv.Key.StartsWith(p, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[p.Length..], kv => kv.Value);
    }
}
