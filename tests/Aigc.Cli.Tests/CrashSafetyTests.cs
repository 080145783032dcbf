using System.Diagnostics;
using Aigc.Torch.Serialization;
using Xunit;
using Microsoft.ML;

namespace Aigc.Cli.Tests;

/// <summary>A training process killed with SIGKILL at random moments while it checkpoints every
/// step: each time the checkpoint on disk is whole and loadable and never goes backwards, and a
/// resumed run continues from it to a loadable model file.</summary>
public sealed class CrashSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Process Start(params string[] extra) => Start(null, extra);

    private Process Start(System.Text.StringBuilder? output, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "aigc.dll"), "train", "vae", "--data", "fashion-mnist-test", "--limit", "256",
                     "--preset", "nano", "--batch-size", "16", "--checkpoint-every", "1", "--out", Path.Combine(_dir, "m.aigc"), "--device", "cpu", "--threads", "1", .. extra])
            psi.ArgumentList.Add(a);
        psi.Environment["AIGC_NUM_THREADS"] = "1";
        var p = Process.Start(psi)!;
        // Drain both pipes so the child can never block on a full one.
        p.OutputDataReceived += (_, e) => { if (e.Data is { } line && output is not null) lock (output) output.AppendLine(line); };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static long Step(string checkpoint)
    {
        using var file = SafeTensors.Load(checkpoint);
        Assert.Equal("aigc-checkpoint", file.Metadata["format"]);
        Assert.NotEmpty(file.Tensors);
        return long.Parse(file.Metadata["step"]);
    }

    [Fact]
    public void SigkillDuringCheckpoints_LeavesTheLastCheckpointWhole_AndResumeContinues()
    {
        var checkpoint = Path.Combine(_dir, "m.aigc.ckpt");
        var rand = new Random(7);
        long last = -1;
        for (int round = 0; round < 3; round++)
        {
            using var p = Start("--epochs", "1000", "--resume");
            var clock = Stopwatch.StartNew();
            while (!(File.Exists(checkpoint) && new FileInfo(checkpoint).LastWriteTimeUtc > DateTime.UtcNow.AddSeconds(-1)) && clock.Elapsed < TimeSpan.FromSeconds(20))
                Thread.Sleep(10);
            Assert.True(File.Exists(checkpoint), "no checkpoint appeared");
            Thread.Sleep(rand.Next(5, 150));   // checkpoints are written every step: this lands in or near one
            p.Kill();                          // SIGKILL: no finally blocks, no flushing
            p.WaitForExit(10_000);
            long step = Step(checkpoint);
            Assert.True(step >= last, $"the checkpoint went back from step {last} to {step}");
            last = step;
        }
        using var resumed = Start("--epochs", "1000", "--steps", (last + 3).ToString(), "--resume");
        Assert.True(resumed.WaitForExit(30_000), "the resumed run did not finish");
        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(last + 3, Step(checkpoint));
        Assert.True(File.Exists(Path.Combine(_dir, "m.aigc")));
        using var model = (IDisposable)Aigc.MLNet.ModelOperationsCatalogExtensions.LoadGenerative(new Microsoft.ML.MLContext().Model, Path.Combine(_dir, "m.aigc"));
    }

    [Fact]
    public void CtrlC_StopsCleanly_WithExitCode130_AndALoadableCheckpoint()
    {
        var checkpoint = Path.Combine(_dir, "m.aigc.ckpt");
        var output = new System.Text.StringBuilder();
        using var p = Start(output, "--epochs", "1000");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(checkpoint) && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(10);
        Assert.True(File.Exists(checkpoint), "no checkpoint appeared");
        using (var interrupt = Process.Start("kill", ["-INT", p.Id.ToString()])) interrupt.WaitForExit();
        Assert.True(p.WaitForExit(20_000), "the process did not stop after SIGINT");
        p.WaitForExit(); // flush the redirected output
        Assert.Equal(130, p.ExitCode);
        // Issue #16: the message names the step the checkpoint actually holds (it once named the last progress report's).
        string text;
        lock (output) text = output.ToString();
        var stopped = System.Text.RegularExpressions.Regex.Match(text, @"stopped after step (\d+); checkpoint of that step: (\S+); continue with --resume");
        Assert.True(stopped.Success, text);
        Assert.Equal(checkpoint, stopped.Groups[2].Value);
        Assert.Equal(Step(checkpoint), long.Parse(stopped.Groups[1].Value));
        Assert.True(Step(checkpoint) > 0);
    }
}
