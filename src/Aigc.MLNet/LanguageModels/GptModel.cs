using Aigc.Torch;
using Aigc.Torch.Nn;
using Aigc.Torch.Onnx;
using LmNames = Aigc.MLNet.Onnx.OnnxContract.LanguageModel;

namespace Aigc.MLNet.LanguageModels;

/// <summary>The feed-forward half of a GPT block: c_fc (C → 4C), GELU, c_proj (4C → C), dropout.</summary>
internal sealed class GptMlp : Module<Tensor, Tensor>
{
    private readonly Linear c_fc;
    private readonly Linear c_proj;
    private readonly Dropout dropout;

    public GptMlp(long dim, double dropoutP, bool bias)
    {
        c_fc = new Linear(dim, 4 * dim, bias);
        c_proj = new Linear(4 * dim, dim, bias);
        dropout = new Dropout(dropoutP);
    }

    public Linear OutputProjection => c_proj;

    /// <summary><see cref="Forward"/> in an ONNX graph, with GELU written out exactly: x·½(1 + erf(x/√2)).</summary>
    public string Export(OnnxGraph g, string x, string prefix)
    {
        var h = g.LinearLastDim(x, c_fc, $"{prefix}.c_fc");
        var erf = g.Op("Erf", [g.Op("Mul", [h, g.Scalar((float)(1 / Math.Sqrt(2)))])]);
        var gelu = g.Op("Mul", [g.Op("Mul", [h, g.Scalar(0.5f)]), g.Op("Add", [erf, g.Scalar(1f)])]);
        return g.LinearLastDim(gelu, c_proj, $"{prefix}.c_proj");
    }

    public override Tensor Forward(Tensor input)
    {
        using var scope = DisposeScope.Enter();
        return dropout.Forward(c_proj.Forward(F.LinearGelu(input, c_fc.Weight, c_fc.Bias))).MoveToOuterScope();
    }
}

/// <summary>A pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
internal sealed class GptBlock : Module
{
    private readonly LayerNorm ln_1;
    private readonly CausalSelfAttention attn;
    private readonly LayerNorm ln_2;
    private readonly GptMlp mlp;

    public GptBlock(GptOptions o)
    {
        ln_1 = new LayerNorm(o.EmbeddingDim, hasBias: o.Bias);
        attn = new CausalSelfAttention(o.EmbeddingDim, o.Heads, o.Dropout, o.Bias);
        ln_2 = new LayerNorm(o.EmbeddingDim, hasBias: o.Bias);
        mlp = new GptMlp(o.EmbeddingDim, o.Dropout, o.Bias);
    }

    public CausalSelfAttention Attention => attn;

    public GptMlp Mlp => mlp;

    /// <summary>Runs the block on the residual stream x = <paramref name="residual"/> +
    /// <paramref name="pending"/> (null: nothing pending) and returns its output x + mlp(…) in the
    /// same unsummed form, so that every residual add is formed inside the next LayerNorm's fused pass.</summary>
    public (Tensor Residual, Tensor Pending) Forward(Tensor residual, Tensor? pending, KeyValueCache? cache, Tensor? mask)
    {
        using var scope = DisposeScope.Enter();
        var (x, normalized) = pending is null ? (residual, ln_1.Forward(residual)) : ln_1.Forward(residual, pending);
        var (h, normalized2) = ln_2.Forward(x, attn.Forward(normalized, cache, mask));
        return (h.MoveToOuterScope(), mlp.Forward(normalized2).MoveToOuterScope());
    }

    /// <summary><see cref="Forward"/> in an ONNX graph, from past keys and values; returns the output and the present ones.</summary>
    public (string Output, string PresentKey, string PresentValue) Export(OnnxGraph g, string x, string pastKey, string pastValue, string allowed, string prefix)
    {
        var (a, key, value) = attn.ExportOnnx(g, g.LayerNorm(x, ln_1, $"{prefix}.ln_1"), pastKey, pastValue, allowed, $"{prefix}.attn");
        var h = g.Op("Add", [x, a]);
        return (g.Op("Add", [h, mlp.Export(g, g.LayerNorm(h, ln_2, $"{prefix}.ln_2"), $"{prefix}.mlp")]), key, value);
    }
}

/// <summary>
/// A GPT-style decoder (GPT-2's layout, as nanoGPT writes it): token and learned position
/// embeddings (<c>wte</c>, <c>wpe</c>), pre-LayerNorm blocks <c>h.{i}</c> of causal self-attention
/// and a GELU MLP, a final LayerNorm <c>ln_f</c>, and an output head tied to <c>wte</c>. State keys
/// follow GPT-2's names; GPT-2's Conv1D weights are the transpose of these Linear weights.
/// </summary>
public sealed class GptModel : LanguageModule
{
    private readonly Embedding wte;
    private readonly Embedding wpe;
    private readonly Dropout drop;
    private readonly ModuleList<GptBlock> h;
    private readonly LayerNorm ln_f;

    /// <summary>Builds the network with GPT-2's initialisation: N(0, 0.02) weights, zero biases,
    /// and residual projections scaled by 1/√(2 · layers).</summary>
    public GptModel(GptOptions options, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        (Options, VocabularySize) = (options, vocabularySize);
        wte = new Embedding(vocabularySize, options.EmbeddingDim);
        wpe = new Embedding(options.ContextLength, options.EmbeddingDim);
        drop = new Dropout(options.Dropout);
        h = new ModuleList<GptBlock>(Enumerable.Range(0, options.Layers).Select(_ => new GptBlock(options)));
        ln_f = new LayerNorm(options.EmbeddingDim, hasBias: options.Bias);
        Initialize();
    }

    /// <summary>The architecture.</summary>
    public GptOptions Options { get; }

    /// <summary>Loads weights saved in Hugging Face's GPT-2 layout (e.g. a converted
    /// <c>model.safetensors</c>): an optional "transformer." prefix is dropped, Conv1D weights
    /// (<c>c_attn</c>, <c>c_proj</c>, <c>c_fc</c>, stored (in, out)) are transposed to Linear's (out, in),
    /// and the tied <c>lm_head.weight</c> and the attention-mask buffers are ignored.</summary>
    /// <exception cref="ArgumentException">A weight is missing or has the wrong shape for this model.</exception>
    public void LoadGpt2StateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var scope = DisposeScope.Enter();
        var mapped = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in state)
        {
            var name = key.StartsWith("transformer.", StringComparison.Ordinal) ? key["transformer.".Length..] : key;
            if (name == "lm_head.weight" || name.EndsWith(".attn.bias", StringComparison.Ordinal) && value.Dim > 1 || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal))
                continue;
            bool conv1d = value.Dim == 2 && (name.EndsWith("c_attn.weight", StringComparison.Ordinal) || name.EndsWith("c_proj.weight", StringComparison.Ordinal)
                                             || name.EndsWith("c_fc.weight", StringComparison.Ordinal));
            mapped[name] = conv1d ? value.Transpose(0, 1) : value;
        }
        LoadStateDict(mapped);
    }

    /// <summary>The number of weight values a model of this shape has, computed without building it
    /// (checked against a model file before any allocation).</summary>
    public static long CountParameters(GptOptions o, int vocabularySize)
    {
        long c = o.EmbeddingDim, bias = o.Bias ? 1 : 0;
        long norm = c * (1 + bias);
        long attention = 3 * c * c + 3 * c * bias + c * c + c * bias;
        long mlp = 4 * c * c + 4 * c * bias + 4 * c * c + c * bias;
        return checked((vocabularySize + (long)o.ContextLength) * c + o.Layers * (2 * norm + attention + mlp) + norm);
    }

    /// <inheritdoc />
    public override int VocabularySize { get; }

    /// <inheritdoc />
    public override int? ContextLength => Options.ContextLength;

    private void Initialize()
    {
        using var noGrad = Engine.NoGrad();
        double residualStd = 0.02 / Math.Sqrt(2.0 * Options.Layers);
        foreach (var (name, p) in NamedParameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) p.Fill_(0);
            else if (p.Dim == 2) p.Normal_(0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? residualStd : 0.02);
        }
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor tokens)
    {
        long t = CheckTokens(tokens, nameof(tokens));
        if (t > Options.ContextLength)
            throw new ArgumentException($"The sequence has {t} tokens; the model's context holds {Options.ContextLength}.", nameof(tokens));
        using var scope = DisposeScope.Enter();
        var x = Hidden(tokens, Tensor.Arange(0, t, device: tokens.Device).Unsqueeze(0), null, null);
        return F.Linear(x, wte.Weight).MoveToOuterScope();
    }

    /// <summary>
    /// Writes the decoder as an ONNX graph in the layout ONNX Runtime GenAI's "decoder" models use:
    /// inputs <c>input_ids</c>, <c>attention_mask</c> (1 for real tokens, past ones included),
    /// <c>position_ids</c> and per layer <c>past_key_values.{i}.key/value</c> (batch, heads,
    /// past_sequence, head size); outputs <c>logits</c> (batch, sequence, vocabulary) and
    /// <c>present.{i}.key/value</c> (batch, heads, past_sequence + sequence, head size).
    /// GenAI needs an end-of-text id inside the vocabulary; for a tokenizer without one,
    /// <paramref name="endOfTextLogit"/> appends a logit (id = vocabulary size) fixed at -1e30, which
    /// no search ever picks.
    /// </summary>
    internal OnnxGraph ExportDecoder(bool endOfTextLogit)
    {
        var g = new OnnxGraph("gpt_decoder");
        long heads = Options.Heads, hs = Options.EmbeddingDim / Options.Heads;
        var ids = g.Input(LmNames.InputIds, OnnxElementType.Int64, ["batch", "sequence"], "Token ids of the new positions (batch, sequence).");
        var mask = g.Input(LmNames.AttentionMask, OnnxElementType.Int64, ["batch", "total_sequence"],
            "1 for real tokens and 0 for padding, over the past and the new positions (batch, past_sequence + sequence).");
        var positions = g.Input(LmNames.PositionIds, OnnxElementType.Int64, ["batch", "sequence"],
            $"Position of each new token in its row, counted from the row's first real token, in [0, {Options.ContextLength}).");
        var past = Enumerable.Range(0, h.Count).Select(i => (
            Key: g.Input(string.Format(System.Globalization.CultureInfo.InvariantCulture, LmNames.PastKey, i), OnnxElementType.Float, ["batch", heads, "past_sequence", hs], $"Layer {i}'s keys of the earlier positions (empty at the first step)."),
            Value: g.Input(string.Format(System.Globalization.CultureInfo.InvariantCulture, LmNames.PastValue, i), OnnxElementType.Float, ["batch", heads, "past_sequence", hs], $"Layer {i}'s values of the earlier positions."))).ToList();

        // Which keys each query sees: key j of the S = past + T ones is visible to new position i when
        // j <= past + i (causal) and the mask marks key j real.
        var zero = g.Initializer(g.Fresh("zero"), [0L]);
        var one = g.Initializer(g.Fresh("one"), [1L]);
        var total = g.Op("Squeeze", [g.Op("Shape", [mask], OnnxAttribute.Int("start", 1)), g.Ints(0)]);
        var pastLength = g.Op("Sub", [total, g.Op("Squeeze", [g.Op("Shape", [ids], OnnxAttribute.Int("start", 1)), g.Ints(0)])]);
        var keyPositions = g.Op("Unsqueeze", [g.Op("Range", [zero, total, one]), g.Ints(0)]);              // (1, S)
        var queryPositions = g.Op("Unsqueeze", [g.Op("Range", [pastLength, total, one]), g.Ints(1)]);      // (T, 1)
        var causal = g.Op("LessOrEqual", [keyPositions, queryPositions]);                                 // (T, S)
        var real = g.Op("Cast", [g.Op("Unsqueeze", [mask, g.Ints(1, 2)])], OnnxAttribute.Int("to", 9));   // (B, 1, 1, S) bool
        var allowed = g.Op("And", [causal, real]);                                                        // (B, 1, T, S)

        var table = g.Initializer("wte.weight", wte.Weight);
        var x = g.Op("Add", [g.Op("Gather", [table, ids], OnnxAttribute.Int("axis", 0)), g.Embedding(positions, wpe, nameof(wpe))]);
        var present = new List<(string Key, string Value)>();
        for (int i = 0; i < h.Count; i++)
        {
            (x, var key, var value) = h[i].Export(g, x, past[i].Key, past[i].Value, allowed, $"h.{i}");
            present.Add((key, value));
        }
        x = g.LayerNorm(x, ln_f, nameof(ln_f));
        // The head is tied to wte: one Gemm over the rows, reshaped back to (B, T, V).
        var rows = g.Op("Gemm", [g.Reshape(x, -1, Options.EmbeddingDim), table], OnnxAttribute.Int("transB", 1));
        long vocabulary = VocabularySize + (endOfTextLogit ? 1 : 0);
        if (endOfTextLogit) rows = g.Op("Pad", [rows, g.Ints(0, 0, 0, 1), g.Scalar(-1e30f)]);
        var logits = g.Op("Reshape", [rows, g.Op("Concat", [g.Op("Shape", [ids]), g.Ints(vocabulary)], OnnxAttribute.Int("axis", 0))]);
        g.Output(logits, LmNames.Logits, OnnxElementType.Float, ["batch", "sequence", vocabulary], endOfTextLogit
            ? $"Next-token logits at each new position (batch, sequence, vocabulary + 1); the last, id {VocabularySize}, is an end-of-text token the tokenizer lacks, fixed at -1e30."
            : "Next-token logits at each new position (batch, sequence, vocabulary).");
        for (int i = 0; i < present.Count; i++)
        {
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            g.Output(present[i].Key, string.Format(inv, LmNames.PresentKey, i), OnnxElementType.Float, ["batch", heads, "total_sequence", hs], $"Layer {i}'s keys of every position so far.");
            g.Output(present[i].Value, string.Format(inv, LmNames.PresentValue, i), OnnxElementType.Float, ["batch", heads, "total_sequence", hs], $"Layer {i}'s values of every position so far.");
        }
        return g;
    }

    private Tensor Hidden(Tensor tokens, Tensor positions, GptState? state, Tensor? mask)
    {
        var residual = drop.Forward(wte.Forward(tokens) + wpe.Forward(positions));
        Tensor? pending = null;
        for (int i = 0; i < h.Count; i++) (residual, pending) = h[i].Forward(residual, pending, state?.Caches[i], mask);
        return pending is null ? ln_f.Forward(residual) : ln_f.Forward(residual, pending).Normalized;
    }

    private static long CheckTokens(Tensor tokens, string name)
    {
        ArgumentNullException.ThrowIfNull(tokens, name);
        if (tokens.Dim != 2 || tokens.DType != ScalarType.Int64)
            throw new ArgumentException($"Expected Int64 tokens (B, T), got {tokens.DType} [{string.Join(", ", tokens.Shape)}].", name);
        return tokens.Size(1);
    }

    /// <inheritdoc />
    public override (Tensor Logits, DecodingState State) Prefill(Tensor tokens, Tensor? valid)
    {
        long t = CheckTokens(tokens, nameof(tokens));
        if (t > Options.ContextLength)
            throw new ArgumentException($"The prompt has {t} tokens; the model's context holds {Options.ContextLength}.", nameof(tokens));
        long b = tokens.Size(0);
        var state = new GptState(this, b, tokens.Device);
        try
        {
            using var scope = DisposeScope.Enter();
            Tensor positions, mask;
            if (valid is null)
            {
                positions = Tensor.Arange(0, t, device: tokens.Device).Unsqueeze(0);
                state.MarkValid(null, t);
                mask = null!;
            }
            else
            {
                // Each row counts positions from its first real token; padded queries may see
                // themselves so that no softmax row is empty.
                positions = (valid.To(tokens.Device, ScalarType.Int64).Cumsum(1) - 1).Clamp(0, null).To(tokens.Device, ScalarType.Int64);
                var causal = Tensor.Ones([t, t], ScalarType.Bool, tokens.Device).Tril();
                var self = Tensor.Ones([t, t], ScalarType.Bool, tokens.Device).Tril().Triu();
                mask = causal.Unsqueeze(0).LogicalAnd(valid.Unsqueeze(1)).LogicalOr(self.Unsqueeze(0)).Unsqueeze(1); // (B, 1, T, T)
                state.MarkValid(valid, t);
            }
            var x = Hidden(tokens, positions, state, valid is null ? null : mask);
            var last = x.Narrow(1, t - 1, 1).Squeeze(1);
            return (F.Linear(last, wte.Weight).MoveToOuterScope(), state);
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override Tensor Decode(Tensor tokens, DecodingState state)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (state is not GptState s) throw new ArgumentException("The state does not come from this GPT model.", nameof(state));
        if (s.IsFull) throw new InvalidOperationException($"The context of {Options.ContextLength} positions is full.");
        using var scope = DisposeScope.Enter();
        var step = tokens.View(-1, 1);
        var positions = s.NextPositions.Clone().Unsqueeze(1); // AppendValid advances the original in place
        var mask = s.AppendValid();
        var x = Hidden(step, positions, s, mask);
        return F.Linear(x.Squeeze(1), wte.Weight).MoveToOuterScope();
    }

    /// <summary>Per-layer key/value caches plus, for padded batches, which keys are real.</summary>
    private sealed class GptState : DecodingState
    {
        private readonly GptModel _model;
        private Tensor? _keyValid;      // (B, capacity) Bool, null when no row is padded
        private Tensor _nextPositions;  // (B) Int64

        public GptState(GptModel model, long batch, Device device)
        {
            _model = model;
            var o = model.Options;
            Caches = Enumerable.Range(0, o.Layers)
                .Select(_ => new KeyValueCache(batch, o.Heads, o.ContextLength, o.EmbeddingDim / o.Heads, model.wte.Weight.DType, device)).ToArray();
            _nextPositions = Tensor.Zeros([batch], ScalarType.Int64, device).DetachFromDisposeScope();
        }

        public KeyValueCache[] Caches { get; }

        public Tensor NextPositions => _nextPositions;

        public override long Length => Caches[0].Length;

        public override bool IsFull => Length >= _model.Options.ContextLength;

        public void MarkValid(Tensor? valid, long t)
        {
            var device = _nextPositions.Device;
            long b = _nextPositions.Size(0);
            if (valid is null)
            {
                _nextPositions.Fill_(t);
                return;
            }
            _keyValid = Tensor.Zeros([b, _model.Options.ContextLength], ScalarType.Bool, device).DetachFromDisposeScope();
            using (var slot = _keyValid.Narrow(1, 0, t)) slot.CopyFrom(valid);
            using var counts = valid.To(device, ScalarType.Int64).Sum([1]);
            _nextPositions.CopyFrom(counts);
        }

        /// <summary>Marks the next slot real and returns the (B, 1, 1, S) mask, or null without padding.</summary>
        public Tensor? AppendValid()
        {
            var mask = default(Tensor);
            if (_keyValid is not null)
            {
                using (var slot = _keyValid.Narrow(1, Length, 1)) slot.Fill_(1);
                mask = _keyValid.Narrow(1, 0, Length + 1).Unsqueeze(1).Unsqueeze(1);
            }
            using (var next = _nextPositions + 1L) _nextPositions.CopyFrom(next);
            return mask;
        }

        public override void Reorder(Tensor rows)
        {
            foreach (var c in Caches) c.Reorder(rows);
            if (_keyValid is not null) Swap(ref _keyValid, _keyValid.IndexSelect(0, rows));
            Swap(ref _nextPositions!, _nextPositions.IndexSelect(0, rows));
        }

        private static void Swap(ref Tensor? field, Tensor replacement)
        {
            var old = field;
            field = replacement.DetachFromDisposeScope();
            old?.Dispose();
        }

        public override void Dispose()
        {
            foreach (var c in Caches) c.Dispose();
            _keyValid?.Dispose();
            _nextPositions.Dispose();
        }
    }
}
