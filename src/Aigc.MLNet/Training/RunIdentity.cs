using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Aigc.MLNet.Data;
using Aigc.MLNet.ModelFiles;
using Microsoft.ML;

namespace Aigc.MLNet.Training;

/// <summary>
/// What defines a training run, so that a checkpoint resumes only the run that wrote it: the task,
/// every option of the family (architecture and run settings alike), the data's fingerprint, the seed
/// and, for schedules fixed up front, their length. Budgets (epochs, a step budget) and bookkeeping
/// (report, validation and checkpoint intervals, paths) are left out: continuing a run for longer is
/// resuming it.
/// </summary>
internal sealed class RunIdentity
{
    private const string Prefix = "run.";
    private const string SeedKey = "seed"; // written by every checkpoint version, so older ones are compared on it too

    private static readonly HashSet<string> NotIdentity =
    [
        nameof(TrainingOptions.Epochs), nameof(TrainingOptions.MaxSteps), nameof(TrainingOptions.ReportEveryNSteps), nameof(TrainingOptions.ReportInterval),
        nameof(TrainingOptions.ValidateEveryNSteps), nameof(TrainingOptions.CheckpointEveryNSteps), nameof(TrainingOptions.CheckpointPath),
        nameof(TrainingOptions.ResumeFromCheckpoint), nameof(TrainingOptions.ResumeDespiteMismatch), nameof(TrainingOptions.Seed),
        "SampleGridEveryNSteps", "SampleGridFolder", "MaxValidationWindows", "WindowLength",
        // Defaults for generating from the trained model: they do not change training.
        "Generation", "Sampling",
    ];

    // The model files' JSON conventions, on one line.
    private static readonly JsonSerializerOptions CompactJson = new(ModelFile.Json) { WriteIndented = false };

    private readonly SortedDictionary<string, string> _entries = new(StringComparer.Ordinal);
    private readonly int _seed;

    private RunIdentity(int seed) => _seed = seed;

    /// <summary>The identity of a run of <paramref name="task"/> on <paramref name="train"/> by <paramref name="ranks"/>
    /// data-parallel processes. The batch recorded is the global one (BatchSize × ranks), so a run resumes on
    /// another number of ranks when the per-rank batch is changed to keep it.</summary>
    public static RunIdentity Of(ITrainingTask task, IDataView train, TrainingOptions options, int seed, int ranks = 1)
    {
        var id = new RunIdentity(seed);
        id._entries["task"] = task.GetType().Name;
        id._entries["data"] = DataFingerprint.Compute(train, [.. task.BatchColumns]);
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (NotIdentity.Contains(property.Name) || property.GetIndexParameters().Length > 0) continue;
            id._entries[property.Name] = Describe(property.GetValue(options));
        }
        id._entries[nameof(TrainingOptions.BatchSize)] = ((long)options.BatchSize * ranks).ToString(CultureInfo.InvariantCulture);
        if (options.ScheduleSteps is { } steps) id._entries["ScheduleSteps"] = steps.ToString(CultureInfo.InvariantCulture);
        return id;
    }

    // Values as text: plain values as themselves, option records as JSON, a tokenizer by its type.
    private static string Describe(object? value) => value switch
    {
        null => "none",
        string s => s,
        IFormattable f when value.GetType().IsPrimitive || value is decimal => f.ToString(null, CultureInfo.InvariantCulture),
        Enum or bool => value.ToString()!,
        Microsoft.ML.Tokenizers.Tokenizer t => t.GetType().Name,
        _ => JsonSerializer.Serialize(value, value.GetType(), CompactJson),
    };

    /// <summary>Adds the identity to a checkpoint's metadata.</summary>
    public void WriteTo(IDictionary<string, string> metadata)
    {
        foreach (var (key, value) in _entries) metadata[Prefix + key] = value;
    }

    /// <summary>How a checkpoint's recorded identity differs from this one, one readable line per
    /// setting ("BatchSize: 64 in the checkpoint, 32 now"); empty when they agree. A setting the
    /// checkpoint does not record (an older version wrote it) is not a difference.</summary>
    public IReadOnlyList<string> DifferencesFrom(IReadOnlyDictionary<string, string> metadata)
    {
        var differences = new List<string>();
        if (metadata.TryGetValue(SeedKey, out var seed) && seed != _seed.ToString(CultureInfo.InvariantCulture))
            differences.Add($"seed: {seed} in the checkpoint, {_seed} now");
        foreach (var (key, value) in _entries)
            if (metadata.TryGetValue(Prefix + key, out var recorded) && recorded != value)
                differences.Add(key == "data"
                    ? $"data: another data set ({Rows(recorded)} rows in the checkpoint's run, {Rows(value)} now, or other values)"
                    : key == nameof(TrainingOptions.BatchSize)
                        ? $"global batch (BatchSize × ranks): {recorded} in the checkpoint, {value} now"
                        : $"{key}: {recorded} in the checkpoint, {value} now");
        return differences;
    }

    private static string Rows(string fingerprint) => fingerprint.Split(':')[0];
}
