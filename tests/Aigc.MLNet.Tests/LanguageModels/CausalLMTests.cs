using System.Text;
using Aigc.MLNet.Data;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Text;
using Aigc.MLNet.Training;
using Microsoft.ML;

namespace Aigc.MLNet.Tests.LanguageModels;

/// <summary>Training on real text (the Debian fortunes corpus), model files, the pipeline transform,
/// beam search against exhaustive search, and streaming of multi-byte characters.</summary>
public class CausalLMTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-lm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class SyncProgress(List<TrainingProgress> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value);
    }

    /// <summary>The first fortunes of one Debian fortune file, split in order 90/10.</summary>
    private static (IDataView Train, IDataView Validation) Fortunes(MLContext ctx, int count)
    {
        var corpus = ctx.Data.LoadTextCorpus("/usr/share/games/fortunes/computers", new TextCorpusOptions { Split = TextSplit.Separator });
        var docs = Corpus.ReadTexts(corpus, "Text").Take(count).ToArray();
        int cut = docs.Length * 9 / 10;
        IDataView View(string[] d) => TestData.View([("Text", TextDataViewType.Instance, d)]);
        return (View(docs[..cut]), View(docs[cut..]));
    }

    [Theory]
    [InlineData(LanguageModelArchitecture.Gpt)]
    [InlineData(LanguageModelArchitecture.Lstm)]
    public void Fit_OnFortunes_LowersValidationLossBelowTheUniformBaseline(LanguageModelArchitecture architecture)
    {
        var ctx = Cpu.Context(2);
        var (train, validation) = Fortunes(ctx, 200);
        var reports = new List<TrainingProgress>();
        var options = CausalLMOptions.Nano with { Architecture = architecture, MaxSteps = 120, LearningRate = 3e-3, ValidateEveryNSteps = 60 };
        using var lm = ctx.Generative().Trainers.CausalLM(options).Fit(train, validation, new SyncProgress(reports));
        var validated = reports.Where(r => r.ValidationMetrics is not null).ToList();
        Assert.Equal([60L, 120L], validated.Select(r => r.Step));
        double uniform = Math.Log(lm.TokenIds.VocabularySize);
        double final = validated[^1].ValidationMetrics!["loss"];
        Assert.True(final < uniform - 1.0, $"validation loss {final:F3} vs uniform {uniform:F3}");
        Assert.Equal(Math.Exp(final), validated[^1].ValidationMetrics!["perplexity"], 6);
        Assert.True(validated[^1].ValidationMetrics!["loss"] < validated[0].ValidationMetrics!["loss"]);
        // The evaluator scores every window of the validation text (training capped them at 16).
        var ppl = ctx.Generative().Evaluators.EvaluatePerplexity(lm, validation);
        Assert.InRange(ppl.Loss, final - 0.5, final + 0.5);
        Assert.Equal(Math.Exp(ppl.Loss), ppl.Perplexity, 9);
        Assert.True(ppl.Tokens > 16 * 32);
    }

    [Fact]
    public void CancelledAndResumedTraining_EndsWithTheSameWeightsAsAnUninterruptedRun()
    {
        var (train, _) = Fortunes(Cpu.Context(8), 60);
        var checkpoint = Path.Combine(_dir, "lm.ckpt");
        var options = CausalLMOptions.Nano with { MaxSteps = 20, WarmupSteps = 4, ReportEveryNSteps = 1, CheckpointPath = checkpoint, ResumeFromCheckpoint = true };
        using var straight = Cpu.Context(8).Generative().Trainers.CausalLM(options with { CheckpointPath = null, ResumeFromCheckpoint = false }).Fit(train);

        using var cancel = new CancellationTokenSource();
        var progress = new Progress10(cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => Cpu.Context(8).Generative().Trainers.CausalLM(options).Fit(train, null, progress, cancel.Token));
        Assert.True(File.Exists(checkpoint));
        var reports = new List<TrainingProgress>();
        using var resumed = Cpu.Context(8).Generative().Trainers.CausalLM(options).Fit(train, null, new SyncProgress(reports));
        Assert.Equal((10L, (long?)10), (reports[0].Step, reports[0].ResumedFromStep)); // the resume report comes first
        // ...carrying the first run's reports, kept in the checkpoint, so curves continue (issue #16).
        Assert.Equal(Enumerable.Range(1, 10).Select(s => (long)s), reports[0].EarlierReports!.Select(r => r.Step));
        Assert.All(reports[0].EarlierReports!, r => Assert.True(r.Losses.ContainsKey("loss")));
        Assert.Equal(11, reports[1].Step); // it continued after step 10 rather than starting again
        Assert.Equal(20, resumed.Training.Steps);
        var a = straight.Model.StateDict();
        var b = resumed.Model.StateDict();
        foreach (var (name, t) in a)
            Assert.True(t.ToArray<float>().SequenceEqual(b[name].ToArray<float>()), $"{name} differs");
    }

    private sealed class Progress10(CancellationTokenSource cancel) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step == 10) cancel.Cancel();
        }
    }

    [Fact]
    public void ModelFile_CarriesTheTokenizer_AndTheLoadedModelGeneratesTheSame()
    {
        var ctx = Cpu.Context(4);
        var (train, _) = Fortunes(ctx, 60);
        foreach (var kind in new[] { TokenizerKind.Char, TokenizerKind.Bpe })
        {
            var options = CausalLMOptions.Nano with { TokenizerKind = kind, BpeVocabularySize = 300, MaxSteps = 10 };
            using var lm = ctx.Generative().Trainers.CausalLM(options).Fit(train);
            var path = Path.Combine(_dir, $"{kind}.aigc");
            ctx.Model.SaveGenerative(lm, path);
            using var loaded = (CausalLMTransformer)Cpu.Context(99).Model.LoadGenerative(path);
            Assert.Equal(lm.Tokenizer.GetType(), loaded.Tokenizer.GetType());
            var g = new GenerationOptions { MaxNewTokens = 25, Seed = 3 };
            Assert.Equal(lm.Generate("Computers", g).Tokens, loaded.Generate("Computers", g).Tokens);
        }
    }

    [Fact]
    public void Transform_AddsACompletionColumn()
    {
        var ctx = Cpu.Context(5);
        var (train, _) = Fortunes(ctx, 40);
        var options = CausalLMOptions.Nano with { MaxSteps = 5, WarmupSteps = 1, Generation = new GenerationOptions { MaxNewTokens = 7, DoSample = false } };
        using var lm = ctx.Generative().Trainers.CausalLM(options).Fit(train);
        var prompts = TestData.View([("Prompt", TextDataViewType.Instance, new[] { "The", "A computer" })]);
        var output = lm.Transform(prompts);
        var completions = TestData.Texts(output, "Completion");
        Assert.Equal([lm.Generate("The").Text, lm.Generate("A computer").Text], completions);
        Assert.All(completions, c => Assert.Equal(7, lm.Tokenizer.CountTokens(c)));
        // Sampled completions are the same on every read of the view.
        using var sampled = ctx.Generative().Trainers.CausalLM(options with { Generation = new GenerationOptions { MaxNewTokens = 12, Temperature = 1.5 } }).Fit(train);
        string First(IDataView view) => TestData.Texts(view, "Completion")[0];
        var sampledView = sampled.Transform(prompts);
        Assert.Equal(First(sampledView), First(sampledView));
        var missing = Assert.Throws<SchemaMismatchException>(() => lm.Transform(train));
        Assert.Contains("Prompt", missing.Message);
    }

    [Fact]
    public void BeamSearch_WithEnoughBeams_FindsTheMostLikelySequence()
    {
        // Exhaustive check: 3 new tokens over a 6-symbol vocabulary is 216 sequences; with 36 beams
        // every 2-token prefix survives, so beam search must return the exact argmax.
        var ctx = Cpu.Context(6);
        var text = TestData.View([("Text", TextDataViewType.Instance, new[] { "abcdef fedcba abba cafe bead face " })]);
        var options = CausalLMOptions.Nano with { MaxSteps = 3, WarmupSteps = 0, TrainingContextLength = 8 };
        using var lm = ctx.Generative().Trainers.CausalLM(options).Fit(text);
        int v = lm.TokenIds.VocabularySize;
        var prompt = lm.TokenIds.Encode("ab");
        double best = double.NegativeInfinity;
        long[] bestSeq = [];
        using (Engine.NoGrad())
        using (var scope = DisposeScope.Enter())
        {
            for (int i = 0; i < v * v * v; i++)
            {
                long[] seq = [.. prompt, i / (v * v), i / v % v, i % v];
                var logp = lm.Model.Forward(Tensor.FromArray(seq, 1, seq.Length)).LogSoftmax(-1);
                double score = 0;
                for (int t = prompt.Length; t < seq.Length; t++) score += logp[0][t - 1][seq[t]].Item();
                if (score > best) (best, bestSeq) = (score, seq[prompt.Length..]);
            }
        }
        var r = lm.Generate("ab", new GenerationOptions { DoSample = false, NumBeams = v * v, MaxNewTokens = 3, LengthPenalty = 0 });
        Assert.Equal(bestSeq, r.Tokens);
    }

    [Fact]
    public void Streaming_NeverSplitsAMultiByteCharacter()
    {
        // A byte-level BPE with no merges gives one token per byte, so every character below spans
        // two to four tokens; the stream must still only show whole characters.
        var bpe = BpeTrainer.Train(["x"], 257);
        const string text = "naïve 日本語 😀 ok";
        var ids = bpe.Encode(text);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), ids.Length);
        var acc = new TextAccumulator(bpe, []);
        var shown = new StringBuilder();
        foreach (var id in ids)
        {
            acc.Add(id);
            var piece = acc.TakeReady();
            Assert.DoesNotContain('\uFFFD', piece);
            Assert.False(piece.Length > 0 && char.IsHighSurrogate(piece[^1]), "a surrogate pair was split");
            shown.Append(piece);
        }
        acc.Flush();
        shown.Append(acc.TakeReady(final: true));
        Assert.Equal(text, shown.ToString());
    }

    [Fact]
    public void GenerationCutMidCharacter_EndsWithTheWholeCharactersOnly()
    {
        // Issue #16: when the token budget ended inside a character, the final text showed U+FFFD.
        var bpe = BpeTrainer.Train(["x"], 257);
        var ids = bpe.Encode("ok 😀");
        var acc = new TextAccumulator(bpe, []);
        foreach (var id in ids[..^2]) acc.Add(id); // two of the emoji's four bytes
        var shown = acc.TakeReady();
        acc.Flush();
        shown += acc.TakeReady(final: true);
        Assert.Equal("ok ", shown);
        Assert.Equal("ok ", acc.Text);
    }
}
