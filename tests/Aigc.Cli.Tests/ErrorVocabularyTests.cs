using System.Reflection;
using System.Text.RegularExpressions;
using Aigc.MLNet.Classification;
using Aigc.MLNet.Data;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Training;
using Aigc.MLNet.Vae;
using Xunit;

namespace Aigc.Cli.Tests;

/// <summary>Tiny trained models of every generating family, shared by the error tests.</summary>
public sealed class TinyModels : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("aigc-vocab-").FullName;

    public TinyModels()
    {
        Train("lm", "--data", "fortunes", "--limit", "200", "--steps", "5");
        Train("gan", "--data", "fashion-mnist-test", "--limit", "128", "--steps", "2", "--conditional");
        Train("diffusion", "--data", "fashion-mnist-test", "--limit", "128", "--steps", "2");
        Train("vae", "--data", "fashion-mnist-test", "--limit", "128", "--steps", "2");
    }

    private void Train(string family, params string[] args)
    {
        int code = CliRunner.Run(["train", family, "--preset", "nano", "--device", "cpu", "--out", Path(family), .. args]).Code;
        if (code != 0) throw new InvalidOperationException($"training the tiny {family} failed");
    }

    public string Path(string family) => System.IO.Path.Combine(Dir, family + ".aigc");

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

/// <summary>Issue #16: the tool's errors speak in its flags, never in the library's property names,
/// and an option that does not apply to a model or command is an error rather than silently ignored.</summary>
public sealed class ErrorVocabularyTests(TinyModels models) : IClassFixture<TinyModels>
{
    /// <summary>Every public name of the options a user of the tool never sees.</summary>
    private static readonly HashSet<string> LibraryNames =
        new Type[]
        {
            typeof(TrainingOptions), typeof(VaeOptions), typeof(GanOptions), typeof(DiffusionOptions), typeof(SamplingOptions), typeof(UNetOptions),
            typeof(CausalLMOptions), typeof(GptOptions), typeof(LstmOptions), typeof(GenerationOptions), typeof(ImageClassifierOptions), typeof(TextCorpusOptions),
        }.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Select(p => p.Name).Append(t.Name)).ToHashSet();

    public static TheoryData<string[], string> BadCommandLines() => new()
    {
        // generate: out-of-range values, named by their flags
        { ["generate", "{lm}", "--max-tokens", "0"], "--max-tokens must be" },
        { ["generate", "{lm}", "--temperature", "-1"], "--temperature must be" },
        { ["generate", "{lm}", "--top-p", "1.5"], "--top-p must be" },
        { ["generate", "{lm}", "--beams", "0"], "--beams must be" },
        { ["generate", "{lm}", "--repetition-penalty", "0"], "--repetition-penalty must be" },
        { ["generate", "{lm}", "--prompt", "☃"], "--prompt: Character '☃' (U+2603) at index 0 is not in the" },
        { ["generate", "{diffusion}", "--sampling-steps", "0"], "--sampling-steps must be in [1, 100]" },
        { ["generate", "{diffusion}", "--eta", "2"], "--eta must be" },
        { ["generate", "{gan}", "--label", "12"], "--label 12 is not one of this model's classes, 0 to 9" },
        { ["generate", "{diffusion}", "--label", "1"], "--label applies to class-conditional models; this diffusion model is unconditional" },
        { ["generate", "{vae}", "--count", "0"], "--count must be" },
        { ["generate", "{lm}", "--top-k", "-1"], "--top-k must be" },
        { ["generate", "{lm}"], "--prompt: The prompt is empty, and this model's tokenizer has no end-of-text token" },
        { ["generate", "{lm}", "--min-p", "2"], "--min-p must be" },
        { ["generate", "{lm}", "--no-repeat-ngram", "-1"], "--no-repeat-ngram must be" },
        { ["generate", "{lm}", "--frequency-penalty", "NaN"], "--frequency-penalty must be" },
        { ["generate", "{lm}", "--presence-penalty", "Infinity"], "--presence-penalty must be" },
        { ["generate", "{lm}", "--beams", "2", "--length-penalty", "NaN"], "--length-penalty must be" },
        { ["generate", "{lm}", "--stop", ""], "--stop" },
        { ["generate", "{diffusion}", "--sampler", "euler"], "--sampler is ddim or ddpm, not 'euler'" },
        { ["generate", "{diffusion}", "--guidance", "-1"], "--guidance must be" },
        { ["generate", "{vae}", "--threads", "0"], "--threads must be at least 1" },
        // generate: options that do not apply, or do not combine
        { ["generate", "{vae}", "--prompt", "hi"], "--prompt applies to causal-lm models, not to a vae model" },
        { ["generate", "{lm}", "--label", "3"], "--label applies to gan and diffusion models, not to a causal-lm model" },
        { ["generate", "{lm}", "--sampling-steps", "10"], "--sampling-steps applies to diffusion models" },
        { ["generate", "{gan}", "--guidance", "3"], "--guidance applies to diffusion models, not to a gan model" },
        { ["generate", "{lm}", "--out", "folder"], "--out applies to gan, vae and diffusion models, not to a causal-lm model" },
        { ["generate", "{lm}", "--beams", "4", "--temperature", "0.8"], "--beams searches for the most likely text and does not sample" },
        // train
        { ["train", "gan", "--data", "fashion-mnist-test", "--tokenizer", "bpe"], "--tokenizer applies to lm models, not to a gan model" },
        { ["train", "vae", "--data", "fashion-mnist-test", "--conditional"], "--conditional applies to gan and diffusion models" },
        { ["train", "lm", "--data", "fortunes", "--vocab-size", "500"], "--vocab-size applies with --tokenizer bpe only" },
        { ["train", "vae", "--data", "fashion-mnist-test", "--limit", "64", "--epochs", "0"], "--epochs must be at least 1, got 0" },
        { ["train", "vae", "--data", "fashion-mnist-test", "--limit", "64", "--batch-size", "0"], "--batch-size must be at least 1, got 0" },
        { ["train", "lm", "--data", "fortunes", "--limit", "50", "--lr", "-1"], "--lr must be a finite number > 0, got -1" },
        { ["train", "lm", "--data", "fortunes", "--limit", "50", "--context", "100000"], "--context must be at most" },
        { ["train", "vae", "--data", "fashion-mnist-test", "--preset", "baby"], "--preset must be nano or small" },
        { ["train", "vae", "--data", "fashion-mnist-test", "--arch", "gpt"], "--arch for a VAE is mlp or conv, not 'gpt'" },
        { ["train", "lm", "--data", "fortunes", "--tokenizer", "wordpiece"], "--tokenizer is char or bpe, not 'wordpiece'" },
        { ["train", "lm", "--data", "fortunes", "--limit", "50", "--tokenizer", "bpe", "--vocab-size", "100"], "--vocab-size must be in [257" },
        { ["train", "vae", "--data", "fashion-mnist-test", "--limit", "0"], "--limit must be at least 1" },
        { ["train", "vae", "--data", "fashion-mnist-test", "--limit", "64", "--checkpoint-every", "-1"], "--checkpoint-every must be >= 0, got -1" },
        { ["train", "vae", "--data", "/nonexistent/images"], "'/nonexistent/images' is neither a built-in image data set" },
        { ["train", "lm", "--data", "{latin1}", "--steps", "2"], "not valid UTF-8 text" },
        { ["train", "lm", "--data", "{latin1}", "--steps", "3"], "move it out of the --data folder" },
    };

    [Theory]
    [MemberData(nameof(BadCommandLines))]
    public void Errors_SpeakInFlags_OnOneLine(string[] args, string expected)
    {
        var line = args.Select(a => Regex.Replace(a, @"\{(\w+)\}", m => models.Path(m.Groups[1].Value))).ToArray();
        if (args.Contains("{latin1}"))
        {
            // A text folder holding a file that is not UTF-8: the library's advice names its option; the tool's names the folder.
            var folder = Path.Combine(models.Dir, "texts");
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, "latin1.txt"), [0x63, 0x61, 0x66, 0xE9, 0x20, 0x6E, 0x6F, 0x69, 0x72]);
            line = line.Select(a => a == models.Path("latin1") ? folder : a).ToArray();
        }
        if (line[0] == "generate") line = [.. line, "--device", "cpu"];
        var (code, _, err) = CliRunner.Run(line);
        Assert.True(code == 1, $"exit {code}: {err}");
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        string error = lines[0];
        Assert.StartsWith("error: ", error);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("(Parameter '", error);
        var named = Regex.Matches(error, @"(?<![\w.'/-])[A-Z][A-Za-z]+(?![\w'])").Select(m => m.Value).Where(LibraryNames.Contains).ToList();
        Assert.True(named.Count == 0, $"'{error}' names library properties: {string.Join(", ", named)}");
        var doubled = Regex.Match(error, @"\b(\w+) \1\b", RegexOptions.IgnoreCase);
        Assert.False(doubled.Success, $"'{error}' repeats '{doubled.Value}'");
    }

    [Theory]
    [InlineData("train")]
    [InlineData("generate")]
    [InlineData("eval")]
    [InlineData("info")]
    [InlineData("export")]
    [InlineData("tokenize")]
    public void Help_SpeaksInFlags_WithExamples(string command)
    {
        var (code, help, _) = CliRunner.Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("Examples:", help);
        Assert.Contains($"aigc {command} ", help);
        // Single capitalised words are English ("Seed for initialisation"); compound names are identifiers.
        var named = Regex.Matches(help, @"\b[A-Z][a-z]+[A-Z]\w*\b").Select(m => m.Value).Where(LibraryNames.Contains).ToList();
        Assert.True(named.Count == 0, $"aigc {command} --help names library properties: {string.Join(", ", named)}");
        var doubled = Regex.Match(help, @"(?<!-)\b(\w+) \1\b", RegexOptions.IgnoreCase); // "--classifier classifier.aigc" is a flag and its value
        Assert.False(doubled.Success, $"aigc {command} --help repeats '{doubled.Value}'");
    }
}
