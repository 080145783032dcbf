using Aigc.MLNet.LanguageModels;
using Aigc.Torch.Serialization;

namespace Aigc.MLNet.Tests.LanguageModels;

/// <summary>The GPT and LSTM networks: PyTorch parity, and incremental decoding (key/value cache,
/// recurrent state, left padding) against full forward passes.</summary>
public class GptModelTests
{
    private static readonly GptOptions Tiny = new() { Layers = 2, Heads = 2, EmbeddingDim = 16, ContextLength = 24 };

    private static GptModel NewGpt(int seed = 3, int vocab = 13)
    {
        Engine.ManualSeed((ulong)seed);
        var m = new GptModel(Tiny, vocab);
        m.Eval();
        return m;
    }

    private static LstmLanguageModel NewLstm(int seed = 3, int vocab = 13)
    {
        Engine.ManualSeed((ulong)seed);
        var m = new LstmLanguageModel(new LstmOptions { EmbeddingDim = 12, HiddenSize = 16, Layers = 2 }, vocab);
        m.Eval();
        return m;
    }

    private static long[] Tokens(int count, int vocab, int seed) => Enumerable.Range(0, count).Select(i => (long)((i * 7 + seed * 3 + i * i) % vocab)).ToArray();

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance, $"largest difference {worst:E2} exceeds {tolerance:E0}");
    }

    [Fact]
    public void Gpt_WithPyTorchWeights_GivesPyTorchLogits()
    {
        using var f = SafeTensors.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "gpt_parity.safetensors"));
        int Meta(string k) => int.Parse(f.Metadata[k], System.Globalization.CultureInfo.InvariantCulture);
        var options = new GptOptions { Layers = Meta("layers"), Heads = Meta("heads"), EmbeddingDim = Meta("dim"), ContextLength = Meta("ctx") };
        using var model = new GptModel(options, Meta("vocab"));
        model.To(Device.Cpu, ScalarType.Float64);
        model.LoadStateDict(f.Tensors.Where(kv => kv.Key.StartsWith("w.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[2..], kv => kv.Value));
        model.Eval();
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        var logits = model.Forward(f.Tensors["tokens"]);
        var expected = f.Tensors["logits"].ToArray<double>();
        var actual = logits.ToArray<double>();
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max() < 1e-10);
    }

    [Fact]
    public void Gpt2Layout_ConvWeightsTransposedAndPrefixed_LoadsToTheSameLogits()
    {
        using var f = SafeTensors.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "gpt_parity.safetensors"));
        int Meta(string k) => int.Parse(f.Metadata[k], System.Globalization.CultureInfo.InvariantCulture);
        var options = new GptOptions { Layers = Meta("layers"), Heads = Meta("heads"), EmbeddingDim = Meta("dim"), ContextLength = Meta("ctx") };
        using var scope = DisposeScope.Enter();
        // Rewrite the fixture as Hugging Face stores GPT-2: "transformer." keys, Conv1D (in, out)
        // weights, a separate lm_head and the causal-mask buffers.
        var hf = new Dictionary<string, Tensor>();
        foreach (var (key, value) in f.Tensors.Where(kv => kv.Key.StartsWith("w.", StringComparison.Ordinal)))
        {
            var name = key[2..];
            bool conv = value.Dim == 2 && (name.EndsWith("c_attn.weight") || name.EndsWith("c_proj.weight") || name.EndsWith("c_fc.weight"));
            hf["transformer." + name] = conv ? value.Transpose(0, 1).Contiguous() : value;
        }
        hf["lm_head.weight"] = f.Tensors["w.wte.weight"];
        for (int i = 0; i < options.Layers; i++) hf[$"transformer.h.{i}.attn.bias"] = Tensor.Ones([1, 1, options.ContextLength, options.ContextLength]).Tril();
        using var model = new GptModel(options, Meta("vocab"));
        model.To(Device.Cpu, ScalarType.Float64);
        model.LoadGpt2StateDict(hf);
        model.Eval();
        using var noGrad = Engine.NoGrad();
        var expected = f.Tensors["logits"].ToArray<double>();
        var actual = model.Forward(f.Tensors["tokens"]).ToArray<double>();
        Assert.True(expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max() < 1e-10);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IncrementalDecoding_MatchesFullForwardAtEveryPosition(bool lstm)
    {
        using LanguageModule model = lstm ? NewLstm() : NewGpt();
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        var ids = Tokens(20, 13, 1);
        var full = model.Forward(Tensor.FromArray(ids, 1, 20)); // (1, 20, V)
        var (first, state) = model.Prefill(Tensor.FromArray(ids[..5], 1, 5), null);
        using (state)
        {
            AssertClose(full.Select(1, 4).ToArray<float>(), first.ToArray<float>(), 1e-5);
            for (int t = 5; t < 20; t++)
            {
                var step = model.Decode(Tensor.FromArray([ids[t]], 1), state);
                AssertClose(full.Select(1, t).ToArray<float>(), step.ToArray<float>(), 1e-5);
            }
            Assert.Equal(20, state.Length);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LeftPaddedBatch_MatchesEachPromptAlone(bool lstm)
    {
        using LanguageModule model = lstm ? NewLstm() : NewGpt();
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        long[] a = Tokens(7, 13, 2), b = Tokens(3, 13, 5);
        var padded = new long[14];
        a.CopyTo(padded, 0);
        b.CopyTo(padded, 7 + 4);
        var valid = Enumerable.Range(0, 14).Select(i => i < 7 || i >= 11).ToArray();
        long[] nextA = [4, 9, 1], nextB = [2, 2, 8];
        var (prefill, batchState) = model.Prefill(Tensor.FromArray(padded, 2, 7), Tensor.FromArray(valid, 2, 7));
        var batchSteps = new List<Tensor> { prefill };
        using (batchState)
            for (int i = 0; i < 3; i++) batchSteps.Add(model.Decode(Tensor.FromArray([nextA[i], nextB[i]], 2), batchState));
        foreach (var (prompt, row, next) in new[] { (a, 0, nextA), (b, 1, nextB) })
        {
            var (alone, state) = model.Prefill(Tensor.FromArray(prompt, 1, prompt.Length), null);
            using (state)
            {
                AssertClose(alone.ToArray<float>(), batchSteps[0].Select(0, row).ToArray<float>(), 1e-5);
                for (int i = 0; i < next.Length; i++)
                    AssertClose(model.Decode(Tensor.FromArray([next[i]], 1), state).ToArray<float>(), batchSteps[i + 1].Select(0, row).ToArray<float>(), 1e-5);
            }
        }
    }

    [Fact]
    public void Gpt_FullContext_RefusesAnotherToken()
    {
        using var model = NewGpt();
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        var (_, state) = model.Prefill(Tensor.FromArray(Tokens(24, 13, 0), 1, 24), null);
        using (state)
        {
            Assert.True(state.IsFull);
            var e = Assert.Throws<InvalidOperationException>(() => model.Decode(Tensor.FromArray([1L], 1), state));
            Assert.Contains("24", e.Message);
        }
        Assert.Throws<ArgumentException>(() => model.Forward(Tensor.FromArray(Tokens(25, 13, 0), 1, 25)));
    }

    [Fact]
    public void Gpt_StateKeysFollowGpt2AndTheHeadIsTied()
    {
        using var model = NewGpt();
        var keys = model.NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains("wte.weight", keys);
        Assert.Contains("wpe.weight", keys);
        Assert.Contains("h.1.attn.c_attn.weight", keys);
        Assert.Contains("h.1.mlp.c_proj.bias", keys);
        Assert.Contains("ln_f.weight", keys);
        Assert.DoesNotContain(keys, k => k.Contains("lm_head", StringComparison.Ordinal));
        // Parameters: embeddings + per layer (2 LN + attn + MLP) + final LN; the head adds none.
        long c = 16, layer = 2 * 2 * c + (3 * c * c + 3 * c) + (c * c + c) + (4 * c * c + 4 * c) + (4 * c * c + c);
        Assert.Equal(13 * c + 24 * c + 2 * layer + 2 * c, model.ParameterCount());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CountParameters_MatchesTheBuiltNetworks(bool bias)
    {
        var gpt = new GptOptions { Layers = 3, Heads = 2, EmbeddingDim = 12, ContextLength = 9, Bias = bias };
        using (var m = new GptModel(gpt, 17)) Assert.Equal(GptModel.CountParameters(gpt, 17), m.ParameterCount());
        var lstm = new LstmOptions { EmbeddingDim = 5, HiddenSize = 7, Layers = 3 };
        using (var m = new LstmLanguageModel(lstm, 11)) Assert.Equal(LstmLanguageModel.CountParameters(lstm, 11), m.ParameterCount());
    }
}
