using System.Globalization;

namespace Aigc.Torch.Distributed;

/// <summary>torchrun's environment contract: where the rendezvous store is and who this process is.</summary>
/// <param name="MasterAddress">MASTER_ADDR (default 127.0.0.1).</param>
/// <param name="MasterPort">MASTER_PORT (default 29500).</param>
/// <param name="Rank">RANK.</param>
/// <param name="WorldSize">WORLD_SIZE.</param>
/// <param name="LocalRank">LOCAL_RANK (default RANK).</param>
public sealed record DistributedEnvironment(string MasterAddress, int MasterPort, int Rank, int WorldSize, int LocalRank)
{
    /// <summary>True when the launcher already hosts the store at MASTER_ADDR:MASTER_PORT (torchrun's agent
    /// sets TORCHELASTIC_USE_AGENT_STORE=True), so rank 0 connects to it instead of hosting one.</summary>
    public bool LauncherHostsStore { get; init; }

    /// <summary>TORCHELASTIC_RESTART_COUNT: how often the launcher restarted the workers (their keys in a
    /// store that outlives restarts are kept apart by it).</summary>
    public int RestartCount { get; init; }

    /// <summary>torchrun's default port.</summary>
    public const int DefaultPort = 29500;

    /// <summary>The variables of this process; null when WORLD_SIZE is unset (not launched as a group).</summary>
    /// <exception cref="ArgumentException">WORLD_SIZE is set but RANK is missing, or a value is not a number in range (named).</exception>
    public static DistributedEnvironment? Read() => Read(Environment.GetEnvironmentVariable);

    /// <summary>Reads the variables through <paramref name="lookup"/> (a dictionary in tests).</summary>
    public static DistributedEnvironment? Read(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        if (string.IsNullOrWhiteSpace(lookup("WORLD_SIZE"))) return null;
        int world = Number(lookup, "WORLD_SIZE", 1, int.MaxValue, null);
        int rank = Number(lookup, "RANK", 0, world - 1, null);
        int local = Number(lookup, "LOCAL_RANK", 0, world - 1, rank);
        int port = Number(lookup, "MASTER_PORT", 1, 65535, DefaultPort);
        string address = lookup("MASTER_ADDR") is { Length: > 0 } a ? a.Trim() : "127.0.0.1";
        return new DistributedEnvironment(address, port, rank, world, local)
        {
            LauncherHostsStore = string.Equals(lookup("TORCHELASTIC_USE_AGENT_STORE")?.Trim(), "true", StringComparison.OrdinalIgnoreCase),
            RestartCount = string.IsNullOrWhiteSpace(lookup("TORCHELASTIC_RESTART_COUNT")) ? 0 : Number(lookup, "TORCHELASTIC_RESTART_COUNT", 0, int.MaxValue, 0),
        };
    }

    /// <summary>The variables a launcher sets for one worker, for starting processes.</summary>
    public IReadOnlyDictionary<string, string> ToVariables() => new Dictionary<string, string>
    {
        ["MASTER_ADDR"] = MasterAddress,
        ["MASTER_PORT"] = MasterPort.ToString(CultureInfo.InvariantCulture),
        ["RANK"] = Rank.ToString(CultureInfo.InvariantCulture),
        ["WORLD_SIZE"] = WorldSize.ToString(CultureInfo.InvariantCulture),
        ["LOCAL_RANK"] = LocalRank.ToString(CultureInfo.InvariantCulture),
        ["LOCAL_WORLD_SIZE"] = WorldSize.ToString(CultureInfo.InvariantCulture),
    };

    private static int Number(Func<string, string?> lookup, string name, int min, int max, int? fallback)
    {
        string? text = lookup(name);
        if (string.IsNullOrWhiteSpace(text))
            return fallback ?? throw new ArgumentException($"{name} is not set, but WORLD_SIZE is: a launcher must set both (torchrun's contract).", name);
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
            throw new ArgumentException($"{name}='{text}' is not a whole number in [{min}, {max}].", name);
        return n;
    }
}
