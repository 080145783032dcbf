using Aigc.MLNet.LanguageModels;

namespace Aigc.MLNet.Tests.LanguageModels;

/// <summary>The per-token arithmetic, against values worked out by hand.</summary>
public class LogitsProcessingTests
{
    // log of probabilities 0.5, 0.3, 0.15, 0.05: softmax gives them back exactly.
    private static float[] Logits() => [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f)];

    private static GenerationOptions Sampling => new() { Temperature = 1 };

    [Theory]
    [InlineData(0.8, 2)]   // 0.5 + 0.3 reaches 0.8
    [InlineData(0.81, 3)]
    [InlineData(0.4, 1)]
    [InlineData(1.0, 4)]
    public void TopP_KeepsTheSmallestSetReachingP(double topP, int kept)
    {
        var p = LogitsProcessing.Probabilities(Logits(), Sampling with { TopP = topP });
        Assert.Equal(kept, p.Count(x => x > 0));
        Assert.True(p.Take(kept).All(x => x > 0));
    }

    [Fact]
    public void TopK_ThenTopP_CountsWithinTheKeptTokens()
    {
        // Top-2 renormalises 0.5 / 0.3 to 0.625 / 0.375; top-p 0.6 then keeps only the first.
        var p = LogitsProcessing.Probabilities(Logits(), Sampling with { TopK = 2, TopP = 0.6 });
        Assert.Equal([true, false, false, false], p.Select(x => x > 0));
        Assert.Equal(2, LogitsProcessing.Probabilities(Logits(), Sampling with { TopK = 2 }).Count(x => x > 0));
    }

    [Fact]
    public void MinP_DropsTokensBelowAFractionOfTheBest()
    {
        // 0.5 · 0.35 = 0.175: 0.15 and 0.05 go.
        var p = LogitsProcessing.Probabilities(Logits(), Sampling with { MinP = 0.35 });
        Assert.Equal([true, true, false, false], p.Select(x => x > 0));
    }

    [Fact]
    public void Temperature_SharpensTheDistribution()
    {
        var p = LogitsProcessing.Probabilities(Logits(), Sampling with { Temperature = 0.5 });
        // p_i ∝ q_i²: 0.25, 0.09, 0.0225, 0.0025 over 0.365.
        Assert.Equal(0.25 / 0.365, p[0], 5);
        Assert.Equal(0.0025 / 0.365, p[3], 5);
    }

    [Fact]
    public void Choose_DrawsInProportionToTheProbabilities()
    {
        var random = new Random(42);
        var counts = new int[4];
        for (int i = 0; i < 20000; i++) counts[LogitsProcessing.Choose(Logits(), Sampling, random)]++;
        double[] expected = [0.5, 0.3, 0.15, 0.05];
        for (int i = 0; i < 4; i++) Assert.InRange(counts[i] / 20000.0, expected[i] - 0.015, expected[i] + 0.015);
        Assert.Equal(0, LogitsProcessing.Choose(Logits(), Sampling with { DoSample = false }, random));
    }

    [Fact]
    public void RepetitionPenalty_DividesPositiveAndMultipliesNegativeLogits()
    {
        float[] logits = [2f, -1f, 3f, 0.5f];
        LogitsProcessing.ApplyPenalties(logits, [0, 1, 1], 0, new GenerationOptions { RepetitionPenalty = 2 });
        Assert.Equal([1f, -2f, 3f, 0.5f], logits);
    }

    [Fact]
    public void FrequencyAndPresencePenalties_CountOutputTokensOnly()
    {
        float[] logits = [1f, 1f, 1f, 1f];
        // Prompt [2], output [0, 0, 1]: token 0 twice, token 1 once, token 2 only in the prompt.
        LogitsProcessing.ApplyPenalties(logits, [2, 0, 0, 1], 1, new GenerationOptions { FrequencyPenalty = 0.5, PresencePenalty = 0.25 });
        Assert.Equal([1f - 1f - 0.25f, 1f - 0.5f - 0.25f, 1f, 1f], logits);
    }

    [Fact]
    public void NoRepeatNGram_BansTheTokenThatWouldRepeatATrigram()
    {
        float[] logits = [0f, 0f, 0f, 0f];
        // Context 1 2 3 ... 1 2: the trigram "1 2 3" exists, so 3 is banned after "1 2".
        LogitsProcessing.BanRepeatedNGrams(logits, [1, 2, 3, 0, 1, 2], 3);
        Assert.Equal([0f, 0f, 0f, float.NegativeInfinity], logits);
    }

    [Fact]
    public void Choose_WhenEverythingIsBanned_SaysSo()
    {
        float[] logits = [float.NegativeInfinity, float.NegativeInfinity];
        var e = Assert.Throws<InvalidOperationException>(() => LogitsProcessing.Choose(logits, Sampling, new Random(1)));
        Assert.Contains("No token is allowed", e.Message);
    }
}
