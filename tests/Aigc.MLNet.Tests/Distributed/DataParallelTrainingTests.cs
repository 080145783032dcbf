using System.Diagnostics;
using System.Text.Json;
using Aigc.DistributedWorker;
using Aigc.Torch.Distributed;

namespace Aigc.MLNet.Tests.Distributed;

/// <summary>Data-parallel training with real worker processes (Aigc.DistributedWorker) on loopback,
/// compared with one process doing the same work.</summary>
public class DataParallelTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-ddp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string Worker = typeof(Recipes).Assembly.Location;

    // Starts two workers; returns their exit codes, stderr text and wall time.
    private Task<(int[] Codes, string Errors, TimeSpan Elapsed)> TwoWorkers(params string[] args) => TwoWorkers(null, args);

    private static async Task<(int[] Codes, string Errors, TimeSpan Elapsed)> TwoWorkers(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var errors = new System.Text.StringBuilder();
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var codes = await LocalLauncher.RunAsync("dotnet", [Worker, .. args], 2,
            (rank, line, isError) => { if (isError) lock (errors) errors.AppendLine($"[{rank}] {line}"); }, environment: environment, cancellationToken: timeout.Token);
        return (codes, errors.ToString(), clock.Elapsed);
    }

    private static T Read<T>(string path) => JsonSerializer.Deserialize<T>(File.ReadAllText(path))!;

    [Fact]
    public async Task TwoRanksOfBatchBTrainAsOneProcessWithBatch2B()
    {
        string output = Path.Combine(_dir, "two");
        var (codes, errors, _) = await TwoWorkers("regression", output, "8", "5");
        Assert.True(codes.All(c => c == 0), errors);
        var rank0 = Read<double[]>(output + ".rank0.json");
        var rank1 = Read<double[]>(output + ".rank1.json");
        var single = Recipes.Regression(null, batch: 16, steps: 5);
        var halfBatch = Recipes.Regression(null, batch: 8, steps: 5);

        Assert.Equal(rank0, rank1); // the ranks hold identical replicas
        Assert.Equal(single.Length, rank0.Length);
        double worst = single.Zip(rank0, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-9, $"2 ranks x 8 differ from 1 process x 16 by {worst}");
        // Not vacuous: training with half the batch lands elsewhere.
        Assert.True(single.Zip(halfBatch, (a, b) => Math.Abs(a - b)).Max() > 1e-3);
    }

    [Fact]
    public async Task UnderALauncherThatHostsTheStore_TheWorkersConnectToIt()
    {
        string output = Path.Combine(_dir, "agent");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "Distributed", "agent_store_launch.py"),
                     LocalLauncher.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", Worker, "regression", output, "8", "3"])
            start.ArgumentList.Add(a);
        using var agent = Process.Start(start)!;
        var errors = agent.StandardError.ReadToEndAsync();
        string codes = await agent.StandardOutput.ReadToEndAsync();
        Assert.True(agent.WaitForExit(90_000), "the launch did not finish");
        Assert.True(codes.Trim() == "[0, 0]", $"worker exit codes {codes}: {await errors}");
        Assert.Equal(Read<double[]>(output + ".rank0.json"), Read<double[]>(output + ".rank1.json"));
        double worst = Recipes.Regression(null, batch: 16, steps: 3).Zip(Read<double[]>(output + ".rank0.json"), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-9, $"differs from one process by {worst}");
    }

    [Fact]
    public async Task AGptOnTwoRanksFollowsTheLossCurveOfOneRank()
    {
        string corpus = "/usr/share/games/fortunes/fortunes";
        Assert.True(File.Exists(corpus), $"{corpus} is missing (scripts/setup.sh installs the fortunes package)");
        string output = Path.Combine(_dir, "gpt");
        var (codes, errors, _) = await TwoWorkers("gpt", output, "4", "20", corpus);
        Assert.True(codes.All(c => c == 0), errors);
        var two = Read<double[]>(output + ".rank0.json");
        Assert.Equal(two, Read<double[]>(output + ".rank1.json")); // agreed losses
        var one = Recipes.Gpt(null, batch: 8, steps: 20, corpus);
        Assert.Equal(20, one.Length);
        Assert.Equal(20, two.Length);
        for (int i = 0; i < one.Length; i++)
            Assert.True(Math.Abs(one[i] - two[i]) < 1e-3 * one[i], $"step {i + 1}: one rank {one[i]}, two ranks {two[i]}");
        Assert.True(one[^1] < one[0] - 0.5, $"the loss did not fall: {one[0]} -> {one[^1]}");
    }

    [Fact]
    public async Task RanksGivenDifferentRunsFailAtTheStartNamingEachRanksSettings()
    {
        var (codes, errors, elapsed) = await TwoWorkers(new Dictionary<string, string> { ["AIGC_TEST_RANK1_BATCH"] = "4" },
            "regression", Path.Combine(_dir, "mismatch"), "8", "5");
        Assert.Equal([5, 5], codes);
        Assert.Contains($"rank 0: {Recipes.Rows} rows, BatchSize 8, Epochs 100, MaxSteps 5; rank 1: {Recipes.Rows} rows, BatchSize 4, Epochs 100, MaxSteps 5.", errors);
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"took {elapsed}");
    }

    [Fact]
    public async Task AKilledWorkerStopsTheOtherWithinTheTimeoutAndTheCheckpointResumesOnOneRank()
    {
        string checkpoint = Path.Combine(_dir, "run.ckpt");
        // Rank 1 kills itself mid-step 5; rank 0 wrote checkpoints at steps 2 and 4.
        var (codes, errors, elapsed) = await TwoWorkers("regression", Path.Combine(_dir, "killed"), "8", "8", checkpoint, "2", "5");
        Assert.Equal(3, codes[0]);
        Assert.NotEqual(0, codes[1]);
        // Whichever collective rank 0 is in when rank 1 dies reports it (the gradients' own all-reduce
        // may already have completed during rank 1's backward).
        Assert.Matches(@"\[0\] rank 0 of 2: [a-z -]+ failed; rank 1 stopped responding", errors);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"rank 0 took {elapsed} to stop (timeout 20 s)");

        // The checkpoint of step 4 resumes in one process with the same global batch and data order,
        // and ends where an uninterrupted single-process run ends.
        var resumed = Recipes.Regression(null, batch: 16, steps: 8, checkpoint, resume: true);
        var uninterrupted = Recipes.Regression(null, batch: 16, steps: 8);
        double worst = resumed.Zip(uninterrupted, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-9, $"resumed run differs by {worst}");
    }
}
