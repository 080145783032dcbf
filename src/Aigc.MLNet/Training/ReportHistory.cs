using System.Text.Json;

namespace Aigc.MLNet.Training;

/// <summary>
/// The progress reports of a run, kept in its checkpoints so that a resumed run can hand its earlier
/// history on (a report's curves then continue instead of restarting at the resume point). At most
/// <see cref="Capacity"/> reports are kept: past that, every other older one is dropped, so long runs
/// keep their shape at a coarser grain and a checkpoint header stays small.
/// </summary>
internal sealed class ReportHistory
{
    /// <summary>The checkpoint metadata key.</summary>
    public const string MetadataKey = "history";

    /// <summary>The most reports kept.</summary>
    public const int Capacity = 4096;

    private sealed record Entry(int Epoch, long Step, Dictionary<string, double> Losses, Dictionary<string, double>? Validation);

    private List<Entry> _entries = [];

    /// <summary>Keeps a report that has losses (the resume report has none).</summary>
    public void Add(TrainingProgress p)
    {
        if (p.Losses.Count == 0) return;
        _entries.Add(new Entry(p.Epoch, p.Step, Finite(p.Losses)!, Finite(p.ValidationMetrics)));
        if (_entries.Count > Capacity) _entries = _entries.Where((_, i) => i % 2 == 1 || i == _entries.Count - 1).ToList();
    }

    // JSON has no NaN or infinity; a run stops on a non-finite loss anyway.
    private static Dictionary<string, double>? Finite(IReadOnlyDictionary<string, double>? values) =>
        values?.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>The history as checkpoint metadata.</summary>
    public string ToJson() => JsonSerializer.Serialize(_entries);

    /// <summary>Restores a checkpoint's history, keeping reports up to <paramref name="step"/>; a
    /// missing or unreadable history (an older checkpoint) leaves it empty.</summary>
    public void Restore(IReadOnlyDictionary<string, string> metadata, long step)
    {
        if (!metadata.TryGetValue(MetadataKey, out var json)) return;
        try
        {
            _entries = (JsonSerializer.Deserialize<List<Entry>>(json) ?? []).Where(e => e.Step <= step && e.Losses is not null).ToList();
        }
        catch (JsonException)
        {
            _entries = [];
        }
    }

    /// <summary>The reports as progress records (timing fields are zero: they belong to the earlier run).</summary>
    public IReadOnlyList<TrainingProgress> ToProgress(int epochs, long? totalSteps) =>
        _entries.Select(e => new TrainingProgress(e.Epoch, epochs, e.Step, totalSteps, e.Losses, 0, TimeSpan.Zero, null, e.Validation)).ToList();
}
