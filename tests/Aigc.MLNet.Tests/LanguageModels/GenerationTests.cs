using Aigc.MLNet.LanguageModels;

namespace Aigc.MLNet.Tests.LanguageModels;

/// <summary>Decoding strategies, batching, streaming, stop sequences and bad input on a model that
/// has memorised one sentence (<see cref="TrainedModelFixture"/>).</summary>
public class GenerationTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private readonly CausalLMTransformer _lm = fixture.Model;

    [Fact]
    public void Greedy_ContinuesTheMemorisedSentence()
    {
        var r = _lm.Generate("the quick", TrainedModelFixture.Greedy(30));
        Assert.Equal(" brown fox jumps over the lazy", r.Text);
        Assert.Equal(FinishReason.Length, r.FinishReason);
        Assert.Equal(30, r.GeneratedTokens);
        Assert.Equal(9, r.PromptTokens);
        Assert.False(r.PromptTruncated);
    }

    [Fact]
    public void KvCache_DoesNotChangeTheOutput_EvenPastTheContext()
    {
        // 80 tokens from a 9-token prompt run well past the 32-token context, where the cached path
        // has to fall back to full windows.
        var cached = _lm.Generate("the quick", TrainedModelFixture.Greedy(80));
        var uncached = _lm.Generate("the quick", TrainedModelFixture.Greedy(80) with { UseKvCache = false });
        Assert.Equal(uncached.Tokens, cached.Tokens);
        var sampled = new GenerationOptions { MaxNewTokens = 60, Temperature = 1.5, Seed = 5 };
        Assert.Equal(_lm.Generate("the", sampled with { UseKvCache = false }).Tokens, _lm.Generate("the", sampled).Tokens);
    }

    [Fact]
    public void Sampling_IsReproducibleForASeed()
    {
        var o = new GenerationOptions { MaxNewTokens = 40, Temperature = 2.0, Seed = 123 };
        var a = _lm.Generate("the", o);
        var b = _lm.Generate("the", o);
        var c = _lm.Generate("the", o with { Seed = 124 });
        Assert.Equal(a.Text, b.Text);
        Assert.NotEqual(a.Text, c.Text);
    }

    [Fact]
    public void Batch_GivesTheSameTextsAsOnePromptAtATime()
    {
        string[] prompts = ["the quick", "over", "lazy dog. the"];
        var batch = _lm.Generate(prompts, TrainedModelFixture.Greedy(20));
        for (int i = 0; i < prompts.Length; i++)
            Assert.Equal(_lm.Generate(prompts[i], TrainedModelFixture.Greedy(20)).Text, batch[i].Text);
        var sampled = new GenerationOptions { MaxNewTokens = 20, Temperature = 1.5, Seed = 9 };
        var sampledBatch = _lm.Generate(prompts, sampled);
        Assert.Equal(_lm.Generate(prompts[1], sampled with { Seed = 10 }).Text, sampledBatch[1].Text); // row i uses seed + i
    }

    [Fact]
    public void StopSequence_SpanningTokens_EndsTheTextBeforeIt()
    {
        var r = _lm.Generate("the quick", TrainedModelFixture.Greedy(40) with { StopSequences = ["jumps", "lazy"] });
        Assert.Equal(" brown fox ", r.Text);
        Assert.Equal(FinishReason.StopSequence, r.FinishReason);
    }

    [Fact]
    public async Task Streaming_PiecesJoinToTheResultAndHoldBackPossibleStops()
    {
        var options = TrainedModelFixture.Greedy(40) with { StopSequences = ["over the"] };
        var pieces = new List<string>();
        GenerationResult? result = null;
        await foreach (var u in _lm.GenerateStreamingAsync("the quick", options))
        {
            pieces.Add(u.Text);
            if (u.IsFinal) result = u.Result;
        }
        Assert.NotNull(result);
        Assert.Equal(" brown fox jumps ", result.Text);
        Assert.Equal(result.Text, string.Concat(pieces));
        Assert.True(pieces.Count > 5);
        // Whenever text was shown, its end was not the start of the stop sequence.
        var shown = "";
        foreach (var piece in pieces.SkipLast(1))
        {
            shown += piece;
            Assert.DoesNotContain(Enumerable.Range(1, 7), k => shown.Length >= k && "over the".StartsWith(shown[^k..], StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Streaming_CancelledMidway_Throws()
    {
        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var piece in _lm.GenerateTextStreamAsync("the", TrainedModelFixture.Greedy(100), cts.Token))
                if (++seen == 3) await cts.CancelAsync();
        });
        Assert.Equal(3, seen);
    }

    [Fact]
    public void ConcurrentCalls_GiveTheSameTextsAsSequentialOnes()
    {
        var options = Enumerable.Range(0, 6).Select(i => new GenerationOptions { MaxNewTokens = 30, Temperature = 1.3, Seed = i }).ToArray();
        var sequential = options.Select(o => _lm.Generate("the", o).Text).ToArray();
        var parallel = new string[options.Length];
        Parallel.For(0, options.Length, new ParallelOptions { MaxDegreeOfParallelism = 3 }, i => parallel[i] = _lm.Generate("the", options[i]).Text);
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void BeamSearch_OneBeamIsGreedy()
    {
        var greedy = _lm.Generate("over", TrainedModelFixture.Greedy(15));
        var beam = _lm.Generate("over", TrainedModelFixture.Greedy(15) with { NumBeams = 1 });
        Assert.Equal(greedy.Tokens, beam.Tokens);
        var four = _lm.Generate("over", TrainedModelFixture.Greedy(15) with { NumBeams = 4 });
        Assert.Equal(15, four.GeneratedTokens);
    }

    [Fact]
    public void Prompt_LongerThanTheContext_KeepsItsEnd()
    {
        var prompt = string.Concat(Enumerable.Repeat(TrainedModelFixture.Sentence, 2)) + "the quick";
        var r = _lm.Generate(prompt, TrainedModelFixture.Greedy(6));
        Assert.True(r.PromptTruncated);
        Assert.Equal(32, r.PromptTokens);
        Assert.Equal(" brown", r.Text);
    }

    [Fact]
    public void Options_RoundTripThroughJson()
    {
        var o = new GenerationOptions { MaxNewTokens = 9, Temperature = 0.7, TopK = 5, TopP = 0.9, MinP = 0.05, RepetitionPenalty = 1.2,
            NoRepeatNGramSize = 3, StopSequences = ["\n\n", "END"], Seed = 4 };
        var json = System.Text.Json.JsonSerializer.Serialize(o);
        var back = System.Text.Json.JsonSerializer.Deserialize<GenerationOptions>(json)!;
        Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(back));
        Assert.Equal(o with { StopSequences = back.StopSequences }, back);
        Assert.DoesNotContain("IsGreedy", json);
    }

    [Fact]
    public void BadInput_GetsClearErrors()
    {
        var empty = Assert.Throws<ArgumentException>(() => _lm.Generate(""));
        Assert.Contains("empty", empty.Message);
        var unknown = Assert.Throws<ArgumentException>(() => _lm.Generate("the quick €"));
        Assert.Contains("€", unknown.Message);
        Assert.Equal("MaxNewTokens", Assert.Throws<ArgumentOutOfRangeException>(() => _lm.Generate("the", new GenerationOptions { MaxNewTokens = 0 })).ParamName);
        Assert.Equal("MaxNewTokens", Assert.Throws<ArgumentOutOfRangeException>(() => _lm.Generate("the", new GenerationOptions { MaxNewTokens = -5 })).ParamName);
        Assert.Equal("TopP", Assert.Throws<ArgumentOutOfRangeException>(() => _lm.Generate("the", new GenerationOptions { TopP = 0 })).ParamName);
        Assert.Equal("TopP", Assert.Throws<ArgumentOutOfRangeException>(() => _lm.Generate("the", new GenerationOptions { TopP = 1.5 })).ParamName);
        Assert.Equal("NumBeams", Assert.Throws<ArgumentOutOfRangeException>(() => _lm.Generate("the", new GenerationOptions { NumBeams = 3 })).ParamName);
    }
}
