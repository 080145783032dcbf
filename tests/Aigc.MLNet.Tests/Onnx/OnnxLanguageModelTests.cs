using Aigc.MLNet.LanguageModels;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = Aigc.Torch.Tensor;

namespace Aigc.MLNet.Tests.Onnx;

/// <summary>The GPT exported with past key/values: ONNX Runtime's logits match libtorch's on a
/// left-padded batch and on a cached decode step (1e-4), and ONNX Runtime GenAI, reading our
/// genai_config.json, generates the same 256 greedy tokens as our libtorch generator.</summary>
public sealed class OnnxLanguageModelTests : IClassFixture<OnnxLanguageModelTests.ExportedGpt>
{
    private readonly ExportedGpt _gpt;

    public OnnxLanguageModelTests(ExportedGpt gpt) => _gpt = gpt;

    /// <summary>A nano GPT with room for 256 new tokens after a prompt, trained to memorise a sentence
    /// (peaked next-token distributions, so greedy decoding has no near-ties), exported once.</summary>
    public sealed class ExportedGpt : IDisposable
    {
        public ExportedGpt()
        {
            Context = Cpu.Context(13);
            var text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 40));
            var data = TestData.View([("Text", TextDataViewType.Instance, new[] { text })]);
            var options = CausalLMOptions.Nano with
            {
                Gpt = CausalLMOptions.Nano.Gpt with { ContextLength = 288 }, MaxSteps = 250, LearningRate = 3e-3, WarmupSteps = 10,
            };
            Model = Context.Generative().Trainers.CausalLM(options).Fit(data);
            Context.Model.ExportToOnnx(Model, Folder);
        }

        public MLContext Context { get; }

        public CausalLMTransformer Model { get; }

        public string Folder { get; } = Directory.CreateTempSubdirectory("aigc-onnx-gpt-").FullName;

        public void Dispose()
        {
            Model.Dispose();
            Directory.Delete(Folder, recursive: true);
        }
    }

    private static NamedOnnxValue Longs(string name, long[] values, params int[] dims) => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(values, dims));

    [Fact]
    public void Export_WritesTheGraphConfigAndVocabulary()
    {
        Assert.Equal(["aigc-lm.json", "char-vocabulary.json", "genai_config.json", "model.onnx"], Directory.GetFiles(_gpt.Folder).Select(Path.GetFileName).Order());
        var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_gpt.Folder, "genai_config.json"))).RootElement;
        Assert.Equal("decoder", config.GetProperty("model").GetProperty("type").GetString());
        Assert.Equal(2, config.GetProperty("model").GetProperty("decoder").GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(288, config.GetProperty("search").GetProperty("max_length").GetInt32());
    }

    [Fact]
    public void Logits_MatchLibtorch_OnAPaddedBatch_AndACachedStep()
    {
        var gpt = (GptModel)_gpt.Model.Model;
        int heads = gpt.Options.Heads, hs = gpt.Options.EmbeddingDim / heads, layers = gpt.Options.Layers;
        long[] a = _gpt.Model.TokenIds.Encode("the quick brown"), b = _gpt.Model.TokenIds.Encode("over the");
        int t = a.Length;
        var padded = a.Concat(Enumerable.Repeat(0L, t - b.Length)).Concat(b).ToArray();
        var valid = Enumerable.Range(0, 2 * t).Select(i => i < t || i >= 2 * t - b.Length).ToArray();
        var mask = valid.Select(v => v ? 1L : 0L).ToArray();
        var positions = new long[2 * t];
        for (int row = 0; row < 2; row++)
            for (int i = 0, seen = 0; i < t; i++) positions[row * t + i] = Math.Max(0, (seen += (int)mask[row * t + i]) - 1);

        using var session = new InferenceSession(Path.Combine(_gpt.Folder, "model.onnx"));
        var inputs = new List<NamedOnnxValue> { Longs("input_ids", padded, 2, t), Longs("attention_mask", mask, 2, t), Longs("position_ids", positions, 2, t) };
        for (int i = 0; i < layers; i++)
            foreach (var kind in new[] { "key", "value" })
                inputs.Add(NamedOnnxValue.CreateFromTensor($"past_key_values.{i}.{kind}", new DenseTensor<float>(new float[0], [2, heads, 0, hs])));
        using var first = session.Run(inputs);
        var logits = first.First(r => r.Name == "logits").AsTensor<float>();
        int v = gpt.VocabularySize;

        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        var (expected, state) = gpt.Prefill(Tensor.FromArray(padded, 2, t), Tensor.FromArray(valid, 2, t));
        using (state)
        {
            var last = Enumerable.Range(0, 2).SelectMany(row => Enumerable.Range(0, v).Select(k => logits[row, t - 1, k])).ToArray();
            OnnxExportTests.AssertClose(expected.ToArray<float>(), last, "prefill logits");

            // One decode step from the cache: present becomes past.
            long[] next = [5, 9];
            var step = new List<NamedOnnxValue>
            {
                Longs("input_ids", next, 2, 1), Longs("attention_mask", mask.Chunk(t).SelectMany(r => r.Append(1L)).ToArray(), 2, t + 1),
                Longs("position_ids", [positions[t - 1] + 1, positions[2 * t - 1] + 1], 2, 1),
            };
            foreach (var r in first.Where(r => r.Name.StartsWith("present.", StringComparison.Ordinal)))
                step.Add(NamedOnnxValue.CreateFromTensor(r.Name.Replace("present.", "past_key_values.", StringComparison.Ordinal), r.AsTensor<float>()));
            using var second = session.Run(step);
            var decoded = second.First(r => r.Name == "logits").AsTensor<float>();
            Assert.Equal([2, 1, v + 1], decoded.Dimensions.ToArray());   // the char tokenizer has no end-of-text: one fixed logit is appended
            Assert.Equal([2, heads, t + 1, hs], second.First(r => r.Name == "present.1.value").AsTensor<float>().Dimensions.ToArray());
            OnnxExportTests.AssertClose(gpt.Decode(Tensor.FromArray(next), state).ToArray<float>(),
                Enumerable.Range(0, 2).SelectMany(row => Enumerable.Range(0, v).Select(k => decoded[row, 0, k])).ToArray(), "decode-step logits");
            Assert.Equal(-1e30f, decoded[1, 0, v]);
        }
    }

    [Fact]
    public void OnnxRuntimeGenAI_GeneratesTheSameGreedyTextAsLibtorch()
    {
        long[] prompt = _gpt.Model.TokenIds.EncodePrompt("the quick");
        var expected = _gpt.Model.Generate("the quick", new GenerationOptions { DoSample = false, MaxNewTokens = 256, StopAtEndOfText = false });
        Assert.Equal(256, expected.GeneratedTokens);

        using var model = new Microsoft.ML.OnnxRuntimeGenAI.Model(_gpt.Folder);
        using var search = new Microsoft.ML.OnnxRuntimeGenAI.GeneratorParams(model);
        search.SetSearchOption("max_length", prompt.Length + 256);
        search.SetSearchOption("do_sample", false);
        using var generator = new Microsoft.ML.OnnxRuntimeGenAI.Generator(model, search);
        generator.AppendTokens(prompt.Select(id => (int)id).ToArray());
        while (!generator.IsDone()) generator.GenerateNextToken();
        var generated = generator.GetSequence(0).ToArray()[prompt.Length..].Select(id => (long)id).ToArray();

        Assert.Equal(expected.Tokens, generated);
        Assert.Equal(expected.Text, _gpt.Model.TokenIds.Decode(generated));
    }
}

/// <summary>The LSTM exported with its state as inputs and outputs matches libtorch over a prompt and
/// on a step continued from the returned state.</summary>
public sealed class OnnxLstmTests
{
    [Fact]
    public void Logits_AndState_MatchLibtorch()
    {
        var ctx = Cpu.Context(19);
        var data = TestData.View([("Text", TextDataViewType.Instance, new[] { string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 20)) })]);
        var options = CausalLMOptions.Nano with
        {
            Architecture = LanguageModelArchitecture.Lstm, Lstm = new LstmOptions { EmbeddingDim = 16, HiddenSize = 24, Layers = 2 }, MaxSteps = 20, WarmupSteps = 0,
        };
        using var lm = ctx.Generative().Trainers.CausalLM(options).Fit(data);
        var folder = Directory.CreateTempSubdirectory("aigc-onnx-lstm-").FullName;
        try
        {
            ctx.Model.ExportToOnnx(lm, folder);
            Assert.Equal(["aigc-lm.json", "char-vocabulary.json", "model.onnx"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
            long[] prompt = lm.TokenIds.Encode("the quick");
            int t = prompt.Length, v = lm.Model.VocabularySize;
            using var session = new InferenceSession(Path.Combine(folder, "model.onnx"));
            NamedOnnxValue State(string name, float[] values) => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(values, [2, 1, 24]));
            using var first = session.Run([NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(prompt, [1, t])), State("hidden", new float[48]), State("cell", new float[48])]);

            using var noGrad = Engine.NoGrad();
            using var scope = DisposeScope.Enter();
            OnnxExportTests.AssertClose(lm.Model.Forward(Tensor.FromArray(prompt, 1, t)).ToArray<float>(), first.First(r => r.Name == "logits").AsTensor<float>().ToArray(), "prompt logits");
            var (_, state) = lm.Model.Prefill(Tensor.FromArray(prompt, 1, t), null);
            using (state)
            {
                using var second = session.Run(
                [
                    NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(new long[] { 7 }, [1, 1])),
                    State("hidden", first.First(r => r.Name == "hidden_out").AsTensor<float>().ToArray()),
                    State("cell", first.First(r => r.Name == "cell_out").AsTensor<float>().ToArray()),
                ]);
                OnnxExportTests.AssertClose(lm.Model.Decode(Tensor.FromArray(new long[] { 7 }), state).ToArray<float>(),
                    second.First(r => r.Name == "logits").AsTensor<float>().ToArray()[..v], "step logits");
            }

            // The slim package generates from the folder: greedy text is the libtorch generator's;
            // sampling is reproducible by seed.
            using var onnx = Aigc.MLNet.Onnx.OnnxLanguageModel.Load(folder);
            Assert.Null(onnx.ContextLength);
            var greedy = new GenerationOptions { DoSample = false, MaxNewTokens = 30 };
            Assert.Equal(lm.Generate("the quick", greedy).Text, onnx.Generate("the quick", new Aigc.MLNet.Onnx.OnnxGenerationOptions { DoSample = false, MaxNewTokens = 30 }).Text);
            var sampling = new Aigc.MLNet.Onnx.OnnxGenerationOptions { MaxNewTokens = 30, Temperature = 0.9, TopK = 8, TopP = 0.95, Seed = 4 };
            Assert.Equal(onnx.Generate("the", sampling).Text, onnx.Generate("the", sampling).Text);
            Assert.Equal(30, onnx.Generate("the", sampling).Tokens.Count);
            Assert.Throws<NotSupportedException>(() => onnx.Generate("the", sampling with { NumBeams = 2 }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
