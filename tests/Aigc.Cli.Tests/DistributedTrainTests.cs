using System.Diagnostics;
using Aigc.Torch.Serialization;
using Xunit;

namespace Aigc.Cli.Tests;

/// <summary><c>aigc train --nproc</c>: worker processes of the tool itself, and its flag checks.</summary>
public sealed class DistributedTrainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-nproc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("vae")]
    [InlineData("gan")]
    [InlineData("diffusion")]
    [InlineData("classifier")]
    public void TwoWorkersTrainEveryImageFamily_AndRankZeroSavesTheModel(string family)
    {
        string model = Path.Combine(_dir, family + ".aigc");
        var (code, output, errors) = CliRunner.Run("train", family, "--data", "fashion-mnist-test", "--limit", "128", "--preset", "nano",
            "--steps", "3", "--batch-size", "16", "--nproc", "2", "--device", "cpu", "--out", model, "--dist-timeout", "60");
        Assert.True(code == 0, errors);
        Assert.Contains("starting 2 worker processes", output);
        Assert.Contains($"saved {model} ({(family == "classifier" ? "image-classifier" : family)}) after 3 steps on 2 processes (cpu)", output);
        Assert.True(File.Exists(model));
        Assert.True(File.Exists(model + ".ckpt"));
        Assert.Equal("", errors.Trim());
    }

    [Fact]
    public void BadDistributedFlagsAreOneLineErrors()
    {
        var (code, _, errors) = CliRunner.Run("train", "vae", "--data", "fashion-mnist-test", "--nproc", "0", "--out", Path.Combine(_dir, "m.aigc"));
        Assert.Equal(1, code);
        Assert.Equal("error: --nproc must be at least 1, not 0.", errors.Trim());

        (code, _, errors) = CliRunner.Run("train", "vae", "--data", "fashion-mnist-test", "--dist-timeout", "0", "--out", Path.Combine(_dir, "m.aigc"));
        Assert.Equal(1, code);
        Assert.Equal("error: --dist-timeout must be at least 1 second, not 0.", errors.Trim());

        Environment.SetEnvironmentVariable("WORLD_SIZE", "2");
        Environment.SetEnvironmentVariable("RANK", "0");
        try
        {
            (code, _, errors) = CliRunner.Run("train", "vae", "--data", "fashion-mnist-test", "--nproc", "2", "--out", Path.Combine(_dir, "m.aigc"));
            Assert.Equal(1, code);
            Assert.Contains("--nproc starts its own worker processes; in a group another launcher started (WORLD_SIZE is set), leave it out.", errors);
            Environment.SetEnvironmentVariable("RANK", null);
            (code, _, errors) = CliRunner.Run("train", "vae", "--data", "fashion-mnist-test", "--out", Path.Combine(_dir, "m.aigc"));
            Assert.Equal(1, code);
            Assert.Contains("RANK is not set, but WORLD_SIZE is", errors);
        }
        finally
        {
            Environment.SetEnvironmentVariable("WORLD_SIZE", null);
            Environment.SetEnvironmentVariable("RANK", null);
        }
        Assert.False(File.Exists(Path.Combine(_dir, "m.aigc")));
    }

    [Fact]
    public void SigintToTheLauncher_StopsEveryWorkerAtOneStep_AndRankZeroWritesTheCheckpoint()
    {
        string model = Path.Combine(_dir, "m.aigc"), checkpoint = model + ".ckpt";
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "aigc.dll"), "train", "vae", "--data", "fashion-mnist-test", "--limit", "256",
                     "--preset", "nano", "--batch-size", "16", "--epochs", "1000", "--checkpoint-every", "5", "--nproc", "2", "--device", "cpu", "--out", model])
            psi.ArgumentList.Add(a);
        var output = new System.Text.StringBuilder();
        using var launcher = Process.Start(psi)!;
        launcher.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (output) output.AppendLine(line); };
        launcher.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (output) output.AppendLine(line); };
        launcher.BeginOutputReadLine();
        launcher.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!File.Exists(checkpoint) && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
        Assert.True(File.Exists(checkpoint), "no checkpoint appeared");
        // The launcher alone gets the signal (not its process group): it must pass it on.
        using (var interrupt = Process.Start("kill", ["-INT", launcher.Id.ToString()])) interrupt.WaitForExit();
        Assert.True(launcher.WaitForExit(30_000), "the workers did not stop after SIGINT");
        launcher.WaitForExit();
        string text;
        lock (output) text = output.ToString();
        Assert.Equal(130, launcher.ExitCode);
        var stopped = System.Text.RegularExpressions.Regex.Match(text, @"stopped after step (\d+); checkpoint of that step: (\S+); continue with --resume");
        Assert.True(stopped.Success, text);
        using var file = SafeTensors.Load(checkpoint);
        Assert.Equal(stopped.Groups[1].Value, file.Metadata["step"]);
        Assert.Equal("2", file.Metadata["world_size"]);
        Assert.DoesNotContain("[rank 1]", text);
    }
}
