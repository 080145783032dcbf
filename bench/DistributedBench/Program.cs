// C# side of the distributed benchmark (issue #15), one rank of a group started by
// run_distributed_bench.py with torchrun's variables, beside distributed_bench.py (torch.distributed).
//   allreduce : seconds per all-reduce of a float32 buffer of each size in --sizes (MiB) over Gloo,
//               as one bucket; rank 0 prints the median of --reps timed calls per size.
//   gpt-step  : the baby GPT (4 layers, 4 heads, 128 wide, context 64, batch 12 per rank, char
//               vocabulary of the fortunes), alternating blocks of --block steps with the gradients
//               averaged over the ranks (bucketed, in Optimizer.Step) and without (each rank alone);
//               rank 0 prints the median ms/step of each kind: the difference is the all-reduce's cost.
// Prints one JSON line on rank 0.
using System.Diagnostics;
using System.Text.Json;
using Aigc.MLNet.LanguageModels;
using Aigc.Torch;
using Aigc.Torch.Distributed;
using Aigc.Torch.Optim;

string Arg(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 ? args[i + 1] : fallback;

Engine.SetNumThreads(int.Parse(Arg("--threads", "1")));
using var group = ProcessGroup.FromEnvironment(TimeSpan.FromSeconds(120)) ?? throw new InvalidOperationException("start with WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT");
object result = args[0] switch
{
    "allreduce" => AllReduce(),
    "gpt-step" => GptStep(),
    _ => throw new ArgumentException($"unknown mode {args[0]}"),
};
if (group.IsMain) Console.WriteLine(JsonSerializer.Serialize(result));

static double Median(List<double> xs)
{
    xs.Sort();
    return xs.Count % 2 == 1 ? xs[xs.Count / 2] : (xs[xs.Count / 2 - 1] + xs[xs.Count / 2]) / 2;
}

object AllReduce()
{
    int reps = int.Parse(Arg("--reps", "20"));
    var seconds = new Dictionary<string, double>();
    foreach (var mib in Arg("--sizes", "1,4,16,64,100").Split(',').Select(double.Parse))
    {
        long count = (long)(mib * (1 << 20) / sizeof(float));
        using var buffer = Tensor.Ones([count]);
        var times = new List<double>();
        for (int i = 0; i < reps + 2; i++)
        {
            group.Barrier();
            var clock = Stopwatch.StartNew();
            group.AllReduce([buffer], ReduceOp.Sum, bucketBytes: long.MaxValue);
            if (i >= 2) times.Add(clock.Elapsed.TotalSeconds); // the first two warm the connections
        }
        // Every element must be the world size raised to the number of calls: the sum really happened.
        double expected = Math.Pow(group.WorldSize, reps + 2);
        if (Math.Abs(buffer[0].Item() - expected) > 1e-3 * expected) throw new InvalidOperationException($"all-reduce gave {buffer[0].Item()}, expected {expected}");
        seconds[mib.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Median(times);
    }
    return new { side = "ours", world = group.WorldSize, seconds };
}

object GptStep()
{
    const int batch = 12, window = 65;
    int blocks = int.Parse(Arg("--blocks", "6")), blockSteps = int.Parse(Arg("--block", "20"));
    var docs = Directory.GetFiles("/usr/share/games/fortunes")
        .Where(f => !f.EndsWith(".dat") && !f.EndsWith(".u8") && !File.GetAttributes(f).HasFlag(FileAttributes.ReparsePoint))
        .Order(StringComparer.Ordinal).SelectMany(f => File.ReadAllText(f).Split("\n%\n")).Where(d => d.Length > 0).ToArray();
    var tokenizer = Aigc.MLNet.Text.CharTokenizer.FromCorpus(docs.Append("\n\n"));
    var stream = string.Join("\n\n", docs).EnumerateRunes().Select(r => (long)tokenizer.EncodeToIds(r.ToString())[0]).ToArray();
    Engine.ManualSeed(1);
    using var model = new GptModel(GptOptions.Baby, tokenizer.VocabularySize);
    var parameters = model.Parameters().ToList();
    using var optimizer = new AdamW(
        [new ParamGroup(parameters.Where(p => p.Dim >= 2), weightDecay: 0.1), new ParamGroup(parameters.Where(p => p.Dim < 2), weightDecay: 0)], 1e-3);
    var order = new Random(1 + group.Rank);
    var rows = new long[batch * window];
    var synced = new List<double>();
    var alone = new List<double>();
    model.Train();
    // One warm-up block, then alternating blocks so drift in machine speed hits both kinds alike.
    for (int b = -1; b < 2 * blocks; b++)
    {
        bool sync = b % 2 == 0;
        optimizer.DataParallel = sync ? group : null;
        group.Barrier();
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < blockSteps; step++)
        {
            using var scope = DisposeScope.Enter();
            for (int r = 0; r < batch; r++) Array.Copy(stream, order.NextInt64(stream.Length - window), rows, r * window, window);
            var windows = Tensor.FromArray(rows, batch, window);
            var logits = model.Forward(windows.Narrow(1, 0, window - 1));
            var loss = F.CrossEntropy(logits.Reshape(-1, logits.Size(2)), windows.Narrow(1, 1, window - 1).Reshape(-1));
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.AverageGradients();
            GradClip.ClipGradNorm(parameters, 1.0);
            optimizer.Step();
            _ = loss.Item();
        }
        double ms = clock.Elapsed.TotalMilliseconds / blockSteps;
        if (b >= 0) (sync ? synced : alone).Add(ms);
    }
    optimizer.DataParallel = null;
    return new { side = "ours", world = group.WorldSize, parameters = model.ParameterCount(), ms_per_step_synced = Median(synced), ms_per_step_alone = Median(alone) };
}
