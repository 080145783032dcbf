using Aigc.MLNet.Diffusion;

namespace Aigc.MLNet.Tests.Diffusion;

/// <summary>Schedules against their defining formulas, and the forward process against its
/// predicted mean and variance.</summary>
public class NoiseScheduleTests
{
    [Fact]
    public void Linear_MatchesTheClosedForm()
    {
        var s = NoiseSchedule.Linear(1000, 1e-4, 0.02);
        Assert.Equal(1e-4, s.Betas[0], 12);
        Assert.Equal(0.02, s.Betas[999], 12);
        Assert.Equal(1e-4 + (0.02 - 1e-4) * 500 / 999.0, s.Betas[500], 12);
        double product = 1;
        for (int t = 0; t < 1000; t++)
        {
            product *= 1 - (1e-4 + (0.02 - 1e-4) * t / 999.0);
            Assert.Equal(product, s.AlphasCumprod[t], 12);
        }
        Assert.Equal(1.0, s.AlphasCumprodPrevious[0]);
        Assert.Equal(s.AlphasCumprod[41], s.AlphasCumprodPrevious[42]);
        int k = 300;
        Assert.Equal(s.Betas[k] * (1 - s.AlphasCumprod[k - 1]) / (1 - s.AlphasCumprod[k]), s.PosteriorVariance[k], 12);
        Assert.Equal(Math.Sqrt(s.AlphasCumprod[k]), s.SqrtAlphasCumprod[k], 12);
    }

    [Fact]
    public void Cosine_CumulativeProductFollowsTheSquaredCosine()
    {
        const int T = 1000;
        const double s0 = 0.008;
        double F(double t) => Math.Pow(Math.Cos((t / T + s0) / (1 + s0) * Math.PI / 2), 2);
        var s = NoiseSchedule.Cosine(T);
        foreach (int t in new[] { 0, 10, 250, 500, 900 })
            Assert.Equal(F(t + 1) / F(0), s.AlphasCumprod[t], 9);
        Assert.Equal(0.999, s.Betas[T - 1], 12); // the last step is clipped
        Assert.All(s.Betas, b => Assert.InRange(b, 0, 0.999));
    }

    [Fact]
    public void AddNoise_HasThePredictedMeanAndVariance()
    {
        var s = NoiseSchedule.Linear(1000);
        Engine.ManualSeed(5);
        using var scope = DisposeScope.Enter();
        const int n = 20000;
        var x0 = Tensor.Full([n, 1, 1, 1], 0.5);
        var noisy = s.AddNoise(x0, Tensor.Randn([n, 1, 1, 1]), Enumerable.Repeat(300L, n).ToArray()).ToArray<float>();
        double mean = noisy.Average(v => (double)v), variance = noisy.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        double expectedMean = Math.Sqrt(s.AlphasCumprod[300]) * 0.5, expectedVariance = 1 - s.AlphasCumprod[300];
        // Standard errors: σ/√n for the mean, σ²·√(2/n) for the variance; allow four of each.
        Assert.InRange(mean, expectedMean - 4 * Math.Sqrt(expectedVariance / n), expectedMean + 4 * Math.Sqrt(expectedVariance / n));
        Assert.InRange(variance, expectedVariance * (1 - 4 * Math.Sqrt(2.0 / n)), expectedVariance * (1 + 4 * Math.Sqrt(2.0 / n)));
    }

    [Fact]
    public void BadArguments_AreNamed()
    {
        Assert.Equal("timesteps", Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.Linear(1)).ParamName);
        Assert.Equal("betaStart", Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.Linear(10, 0.5, 0.1)).ParamName);
        var s = NoiseSchedule.Linear(10);
        using var scope = DisposeScope.Enter();
        Assert.Throws<ArgumentOutOfRangeException>(() => s.AddNoise(Tensor.Zeros(1, 1, 2, 2), Tensor.Zeros(1, 1, 2, 2), [10]));
    }

    [Theory]
    [InlineData(1, null, false, 1)]
    [InlineData(3, 10, true, 2)]
    public void UNet_CountParameters_MatchesTheBuiltNetwork(int channels, int? classes, bool attention, int blocks)
    {
        var o = UNetOptions.Nano with { MidAttention = attention, ResBlocksPerLevel = blocks, ChannelMultipliers = [1, 2, 3] };
        using var net = new UNet(o, channels, 16, 16, classes);
        Assert.Equal(UNet.CountParameters(o, channels, classes), net.ParameterCount());
    }
}
