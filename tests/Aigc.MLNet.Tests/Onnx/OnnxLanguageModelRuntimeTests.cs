using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Tests.Onnx;

/// <summary>The slim package's language model (ONNX Runtime GenAI + the exported tokenizer) against the
/// libtorch model it came from: the same greedy text for a character and a byte-level BPE model,
/// streaming, stop sequences, the chat client, cancellation and damaged exports.</summary>
public sealed class OnnxLanguageModelRuntimeTests : IClassFixture<OnnxLanguageModelRuntimeTests.TwoModels>
{
    private readonly TwoModels _models;

    public OnnxLanguageModelRuntimeTests(TwoModels models) => _models = models;

    public sealed class TwoModels : IDisposable
    {
        private const string Sentence = "the quick brown fox jumps over the lazy dog. ";

        public TwoModels()
        {
            var ctx = Cpu.Context(17);
            var data = TestData.View([("Text", TextDataViewType.Instance, new[] { string.Concat(Enumerable.Repeat(Sentence, 40)) })]);
            var options = CausalLMOptions.Nano with { Gpt = CausalLMOptions.Nano.Gpt with { ContextLength = 96 }, MaxSteps = 250, LearningRate = 3e-3, WarmupSteps = 10 };
            Char = ctx.Generative().Trainers.CausalLM(options).Fit(data);
            Bpe = ctx.Generative().Trainers.CausalLM(options with { TokenizerKind = TokenizerKind.Bpe, BpeVocabularySize = 300 }).Fit(data);
            ctx.Model.ExportToOnnx(Char, CharFolder);
            ctx.Model.ExportToOnnx(Bpe, BpeFolder);
        }

        public CausalLMTransformer Char { get; }

        public CausalLMTransformer Bpe { get; }

        public string CharFolder { get; } = Directory.CreateTempSubdirectory("aigc-onnx-lm-char-").FullName;

        public string BpeFolder { get; } = Directory.CreateTempSubdirectory("aigc-onnx-lm-bpe-").FullName;

        public void Dispose()
        {
            Char.Dispose();
            Bpe.Dispose();
            Directory.Delete(CharFolder, recursive: true);
            Directory.Delete(BpeFolder, recursive: true);
        }
    }

    private static readonly GenerationOptions Greedy = new() { DoSample = false, MaxNewTokens = 60 };
    private static readonly OnnxGenerationOptions OnnxGreedy = new() { DoSample = false, MaxNewTokens = 60 };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GreedyText_IsTheLibtorchText_WholeAndStreamed(bool bpe)
    {
        var (libtorch, folder) = bpe ? (_models.Bpe, _models.BpeFolder) : (_models.Char, _models.CharFolder);
        using var onnx = OnnxLanguageModel.Load(folder);
        Assert.Equal(96, onnx.ContextLength);
        Assert.Equal(libtorch.TokenIds.EncodePrompt("the quick"), onnx.Encode("the quick"));
        var expected = libtorch.Generate("the quick", Greedy);
        var actual = onnx.Generate("the quick", OnnxGreedy);
        Assert.Equal(expected.Tokens, actual.Tokens);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(OnnxFinishReason.Length, actual.FinishReason);
        var pieces = new List<string>();
        await foreach (var piece in onnx.GenerateTextStreamAsync("the quick", OnnxGreedy)) pieces.Add(piece);
        Assert.True(pieces.Count > 1);
        Assert.Equal(expected.Text, string.Concat(pieces));

        // A stop sequence ends the text before it, on both paths.
        var stop = expected.Text.Substring(expected.Text.Length / 2, 3);
        var stopped = onnx.Generate("the quick", OnnxGreedy with { StopSequences = [stop] });
        Assert.Equal(OnnxFinishReason.StopSequence, stopped.FinishReason);
        Assert.Equal(libtorch.Generate("the quick", Greedy with { StopSequences = [stop] }).Text, stopped.Text);
        Assert.Equal(expected.Text[..expected.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
    }

    [Fact]
    public void GenAISampling_WithTopKAndTopP_IsReproducibleBySeed()
    {
        using var onnx = OnnxLanguageModel.Load(_models.BpeFolder);
        var sampling = new OnnxGenerationOptions { MaxNewTokens = 40, Temperature = 1.5, TopK = 20, TopP = 0.9, Seed = 7, StopSequences = [] };
        var first = onnx.Generate("the quick", sampling);
        Assert.Equal(first.Tokens, onnx.Generate("the quick", sampling).Tokens);
        Assert.True(first.Tokens.Count > 0);
        // Sampling at a high temperature leaves the greedy path somewhere in 40 tokens for some seed.
        var greedy = onnx.Generate("the quick", OnnxGreedy with { MaxNewTokens = 40 }).Tokens;
        Assert.Contains(Enumerable.Range(1, 5), seed => !onnx.Generate("the quick", sampling with { Seed = seed }).Tokens.SequenceEqual(greedy));
    }

    [Fact]
    public async Task ChatClient_AnswersAsTheLibtorchChatClient()
    {
        // The byte-level model: the template's "User:"/"Assistant:" are not in the character vocabulary.
        using var onnx = OnnxLanguageModel.Load(_models.BpeFolder);
        using var chat = onnx.AsChatClient();
        var messages = new[] { new ChatMessage(ChatRole.User, "the quick") };
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 40 };
        var expected = await _models.Bpe.AsChatClient().GetResponseAsync(messages, options);
        var actual = await chat.GetResponseAsync(messages, options);
        Assert.NotEmpty(actual.Text);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.FinishReason, actual.FinishReason);
        Assert.Equal(expected.Usage!.OutputTokenCount, actual.Usage!.OutputTokenCount);
        await Assert.ThrowsAsync<NotSupportedException>(() => chat.GetResponseAsync(messages, new ChatOptions { FrequencyPenalty = 0.5f }));
    }

    [Fact]
    public void ByteLevelExport_CarriesATokenizerGenAIReads_WithOurIds()
    {
        using var model = new Microsoft.ML.OnnxRuntimeGenAI.Model(_models.BpeFolder);
        using var tokenizer = new Microsoft.ML.OnnxRuntimeGenAI.Tokenizer(model);
        var text = File.ReadAllText("/usr/share/games/fortunes/computers")[..3000] + " naïve café 🙂\r\n\t  x";
        using var sequences = tokenizer.Encode(text);
        var ids = sequences[0].ToArray();
        Assert.Equal(_models.Bpe.TokenIds.Encode(text).Select(id => (int)id), ids);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Cancellation_AndBadInput_AreClear()
    {
        using var onnx = OnnxLanguageModel.Load(_models.CharFolder);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => onnx.Generate("the", OnnxGreedy, cancelled.Token));
        var e = Assert.Throws<ArgumentException>(() => onnx.Generate("☃", OnnxGreedy));
        Assert.Contains("U+2603", e.Message);
        Assert.Throws<ArgumentException>(() => onnx.Generate("", OnnxGreedy));   // no end-of-text to start from
        Assert.Throws<ArgumentOutOfRangeException>(() => onnx.Generate("the", OnnxGreedy with { TopP = 2 }));
    }

    [Fact]
    public void DamagedExports_GiveClearErrors()
    {
        var broken = Directory.CreateTempSubdirectory("aigc-onnx-lm-broken-").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(_models.CharFolder)) File.Copy(f, Path.Combine(broken, Path.GetFileName(f)));
            var config = Path.Combine(broken, "genai_config.json");
            var text = File.ReadAllText(config);
            File.WriteAllText(config, text[..(text.Length / 2)]);
            Assert.Contains("is not a valid GenAI configuration", Assert.Throws<InvalidDataException>(() => OnnxLanguageModel.Load(broken)).Message);
            File.WriteAllText(config, text.Replace("\"context_length\"", "\"context\"", StringComparison.Ordinal));
            Assert.Contains("lacks \"context_length\"", Assert.Throws<InvalidDataException>(() => OnnxLanguageModel.Load(broken)).Message);
            File.WriteAllText(config, text);
            File.WriteAllText(Path.Combine(broken, "char-vocabulary.json"), "[104, 104]");
            Assert.Contains("repeated code point", Assert.Throws<InvalidDataException>(() => OnnxLanguageModel.Load(broken)).Message);
            File.Copy(Path.Combine(_models.CharFolder, "char-vocabulary.json"), Path.Combine(broken, "char-vocabulary.json"), overwrite: true);
            var model = Path.Combine(broken, "model.onnx");
            File.WriteAllBytes(model, File.ReadAllBytes(model)[..500]);
            Assert.Contains("ONNX Runtime GenAI cannot open", Assert.Throws<InvalidDataException>(() => OnnxLanguageModel.Load(broken)).Message);
            File.Delete(config);
            Assert.Throws<FileNotFoundException>(() => OnnxLanguageModel.Load(broken));
        }
        finally
        {
            Directory.Delete(broken, recursive: true);
        }
    }
}
