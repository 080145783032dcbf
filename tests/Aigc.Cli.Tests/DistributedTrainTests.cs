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
    public void TwoWorkersTrainEveryImageFamily_AndRankZeroSavesTheModel(string family)
    {
        string model = Path.Combine(_dir, family + ".aigc");
        var (code, output, errors) = CliRunner.Run("train", family, "--data", "fashion-mnist-test", "--limit", "128", "--preset", "nano",
            "--steps", "3", "--batch-size", "16", "--nproc", "2", "--device", "cpu", "--out", model, "--dist-timeout", "60");
        Assert.True(code == 0, errors);
        Assert.Contains("starting 2 worker processes", output);
        Assert.Contains($"saved {model} ({family}) after 3 steps on 2 processes (cpu)", output);
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
}
