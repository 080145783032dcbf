using System.Text.RegularExpressions;

namespace Aigc.Cli;

/// <summary>
/// Turns the library's messages into the tool's words: a user typed <c>--max-tokens</c>, so an error
/// about <c>MaxNewTokens</c> must say <c>--max-tokens</c>. One table maps every library option name
/// the tool sets to its flag; messages lose .NET's "(Parameter '…')" suffix and doubled words.
/// </summary>
internal static partial class FlagVocabulary
{
    /// <summary>Library option (and argument) names, by the flag that sets them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Training runs (TrainingOptions and the families' options)
        ["Epochs"] = "--epochs", ["MaxSteps"] = "--steps", ["BatchSize"] = "--batch-size", ["LearningRate"] = "--lr",
        ["Seed"] = "--seed", ["CheckpointPath"] = "--checkpoint", ["CheckpointEveryNSteps"] = "--checkpoint-every",
        ["ResumeFromCheckpoint"] = "--resume", ["ResumeDespiteMismatch"] = "--resume-anyway",
        ["TrainingContextLength"] = "--context", ["ContextLength"] = "--context", ["BpeVocabularySize"] = "--vocab-size",
        ["WarmupSteps"] = "the warmup (a tenth of --steps)", ["Architecture"] = "--arch", ["TokenizerKind"] = "--tokenizer",
        ["LabelColumn"] = "--conditional", ["SampleGridFolder"] = "--report",
        // Generation (GenerationOptions, SamplingOptions and the generate calls)
        ["MaxNewTokens"] = "--max-tokens", ["Temperature"] = "--temperature", ["TopK"] = "--top-k", ["TopP"] = "--top-p",
        ["MinP"] = "--min-p", ["RepetitionPenalty"] = "--repetition-penalty", ["NoRepeatNGramSize"] = "--no-repeat-ngram",
        ["NumBeams"] = "--beams", ["LengthPenalty"] = "--length-penalty", ["FrequencyPenalty"] = "--frequency-penalty",
        ["PresencePenalty"] = "--presence-penalty", ["StopSequences"] = "--stop", ["EarlyStopping"] = "--early-stopping",
        ["StopAtEndOfText"] = "--ignore-eos", ["UseKvCache"] = "--no-kv-cache",
        ["Steps"] = "--sampling-steps", ["Eta"] = "--eta", ["GuidanceScale"] = "--guidance", ["Sampler"] = "--sampler",
        ["prompt"] = "--prompt", ["prompts"] = "--prompt", ["labels"] = "--label", ["count"] = "--count",
    };

    /// <summary>Advice the library gives its callers, as the tool's user can follow it.</summary>
    private static readonly (string Library, string Tool)[] Phrases =
    [
        ("exclude it with TextCorpusOptions.Exclude", "move it out of the --data folder"),
    ];

    /// <summary>The message of <paramref name="e"/> on one line, in flags.</summary>
    public static string Message(Exception e)
    {
        string text = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            text = text.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
            text = text.Split('\n')[0];
            // An out-of-range value's message is a predicate ("must be in [1, 100]"): say whose, and the value.
            if (e is ArgumentOutOfRangeException range && text.StartsWith("must ", StringComparison.Ordinal))
                text = $"{Flags.GetValueOrDefault(name, name)} {text}"
                       + (range.ActualValue is { } v && !text.Contains(v.ToString()!, StringComparison.Ordinal) ? $", got {v}" : "");
            else
            {
                if (e is ArgumentOutOfRangeException { ActualValue: { } actual } && !text.Contains(actual.ToString()!, StringComparison.Ordinal))
                    text = $"{text} (got {actual})";
                // Say which flag the sentence is about, unless it already does.
                if (Flags.TryGetValue(name, out var flag) && flag.StartsWith("--", StringComparison.Ordinal) && !text.Contains(flag, StringComparison.Ordinal)
                    && !text.Contains(name, StringComparison.Ordinal))
                    text = $"{flag}: {text}";
            }
        }
        text = text.ReplaceLineEndings(" ");
        foreach (var (library, tool) in Phrases) text = text.Replace(library, tool, StringComparison.Ordinal);
        // Property names (PascalCase) become flags wherever they appear; plain words stay words.
        text = Word().Replace(text, m => char.IsUpper(m.Value[0]) && Flags.TryGetValue(m.Value, out var flag) ? flag : m.Value);
        return DoubledWord().Replace(text, "$1");
    }

    [GeneratedRegex(@"(?<![\w.'-])[A-Za-z]+(?![\w'])")]
    private static partial Regex Word();

    [GeneratedRegex(@"\b(\S+) \1\b")]
    private static partial Regex DoubledWord();
}
