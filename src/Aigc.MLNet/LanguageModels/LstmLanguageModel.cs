using Aigc.Torch;
using Aigc.Torch.Nn;
using Aigc.Torch.Onnx;
using LmNames = Aigc.MLNet.Onnx.OnnxContract.LanguageModel;

namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// The LSTM language model of PyTorch's word-language-model example: <c>encoder</c> (embedding),
/// <c>rnn</c> (stacked LSTM), <c>decoder</c> (projection to the vocabulary), dropout between them.
/// Its context is unbounded: decoding carries the recurrent state forward.
/// </summary>
internal sealed class LstmLanguageModel : LanguageModule
{
    private readonly Embedding encoder;
    private readonly Lstm rnn;
    private readonly Linear decoder;
    private readonly Dropout drop;

    /// <summary>Builds the network; embedding and projection start U(-0.1, 0.1) as in the example.</summary>
    public LstmLanguageModel(LstmOptions options, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        (Options, VocabularySize) = (options, vocabularySize);
        encoder = new Embedding(vocabularySize, options.EmbeddingDim);
        rnn = new Lstm(options.EmbeddingDim, options.HiddenSize, options.Layers, options.Dropout);
        decoder = new Linear(options.HiddenSize, vocabularySize);
        drop = new Dropout(options.Dropout);
        using var noGrad = Engine.NoGrad();
        encoder.Weight.Uniform_(-0.1, 0.1);
        decoder.Weight.Uniform_(-0.1, 0.1);
        decoder.Bias!.Fill_(0);
    }

    /// <summary>The architecture.</summary>
    public LstmOptions Options { get; }

    /// <summary>The number of weight values a model of this shape has, computed without building it.</summary>
    public static long CountParameters(LstmOptions o, int vocabularySize)
    {
        long e = o.EmbeddingDim, h = o.HiddenSize;
        long layers = 4 * h * (e + h + 2) + (o.Layers - 1) * 4 * h * (h + h + 2);
        return checked(vocabularySize * e + layers + h * vocabularySize + vocabularySize);
    }

    /// <inheritdoc />
    public override int VocabularySize { get; }

    /// <inheritdoc />
    public override int? ContextLength => null;

    private (Tensor Output, (Tensor, Tensor) State) Run(Tensor tokens, (Tensor, Tensor)? state)
    {
        if (tokens.Dim != 2 || tokens.DType != ScalarType.Int64)
            throw new ArgumentException($"Expected Int64 tokens (B, T), got {tokens.DType} [{string.Join(", ", tokens.Shape)}].", nameof(tokens));
        var (output, next) = rnn.Forward(drop.Forward(encoder.Forward(tokens)), state);
        return (drop.Forward(output), next);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = DisposeScope.Enter();
        return decoder.Forward(Run(tokens, null).Output).MoveToOuterScope();
    }

    /// <inheritdoc />
    public override (Tensor Logits, DecodingState State) Prefill(Tensor tokens, Tensor? valid)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = DisposeScope.Enter();
        if (valid is null)
        {
            var (output, (h, c)) = Run(tokens, null);
            var logits = decoder.Forward(output.Narrow(1, tokens.Size(1) - 1, 1).Squeeze(1));
            return (logits.MoveToOuterScope(), new LstmState(h, c, tokens.Size(1)));
        }
        // Padding would flow through the recurrence, so each row runs its own real tokens and the
        // final states are stacked into one batch.
        var counts = valid.To(Device.Cpu, ScalarType.Int64).Sum([1]).ToArray<long>();
        long t = tokens.Size(1);
        var rows = new List<Tensor>();
        var hs = new List<Tensor>();
        var cs = new List<Tensor>();
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] < 1) throw new ArgumentException($"Prompt row {i} has no tokens.", nameof(valid));
            var row = tokens.Narrow(0, i, 1).Narrow(1, t - counts[i], counts[i]);
            var (output, (h, c)) = Run(row, null);
            rows.Add(decoder.Forward(output.Narrow(1, counts[i] - 1, 1).Squeeze(1)));
            hs.Add(h);
            cs.Add(c);
        }
        return (Tensor.Cat(rows, 0).MoveToOuterScope(), new LstmState(Tensor.Cat(hs, 1), Tensor.Cat(cs, 1), t));
    }

    /// <inheritdoc />
    public override Tensor Decode(Tensor tokens, DecodingState state)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (state is not LstmState s) throw new ArgumentException("The state does not come from this LSTM model.", nameof(state));
        using var scope = DisposeScope.Enter();
        var (output, (h, c)) = Run(tokens.View(-1, 1), (s.Hidden, s.Cell));
        s.Advance(h, c);
        return decoder.Forward(output.Squeeze(1)).MoveToOuterScope();
    }

    /// <summary>The model as an ONNX graph with its state as inputs and outputs: <c>input_ids</c>
    /// (batch, sequence) and <c>hidden</c>, <c>cell</c> (layers, batch, hidden; zeros to start) give
    /// <c>logits</c> (batch, sequence, vocabulary) and <c>hidden_out</c>, <c>cell_out</c>, which
    /// continue the sequence when fed back.</summary>
    internal OnnxGraph ExportGraph()
    {
        var g = new OnnxGraph("lstm_language_model");
        long layers = Options.Layers, size = Options.HiddenSize;
        var ids = g.Input(LmNames.InputIds, OnnxElementType.Int64, ["batch", "sequence"], "Token ids (batch, sequence); rows are not padded: run rows of different lengths separately.");
        var hidden = g.Input(LmNames.Hidden, OnnxElementType.Float, [layers, "batch", size], "Hidden state per layer (layers, batch, hidden): zeros at the start, then hidden_out.");
        var cell = g.Input(LmNames.Cell, OnnxElementType.Float, [layers, "batch", size], "Cell state per layer (layers, batch, hidden): zeros at the start, then cell_out.");
        var timeFirst = OnnxAttribute.Ints("perm", 1, 0, 2);
        var x = g.Op("Transpose", [g.Embedding(ids, encoder, nameof(encoder))], timeFirst);                         // (T, B, E)
        var (y, nextHidden, nextCell) = rnn.ExportOnnx(g, x, hidden, cell, nameof(rnn));
        var logits = g.LinearLastDim(g.Op("Transpose", [y], timeFirst), decoder, nameof(decoder));                  // (B, T, V)
        g.Output(logits, LmNames.Logits, OnnxElementType.Float, ["batch", "sequence", VocabularySize], "Next-token logits at each position (batch, sequence, vocabulary).");
        g.Output(nextHidden, LmNames.HiddenOut, OnnxElementType.Float, [layers, "batch", size], "Hidden state after the last position.");
        g.Output(nextCell, LmNames.CellOut, OnnxElementType.Float, [layers, "batch", size], "Cell state after the last position.");
        return g;
    }

    private sealed class LstmState : DecodingState
    {
        private long _length;

        public LstmState(Tensor hidden, Tensor cell, long length)
        {
            Hidden = hidden.DetachFromDisposeScope();
            Cell = cell.DetachFromDisposeScope();
            _length = length;
        }

        public Tensor Hidden { get; private set; }

        public Tensor Cell { get; private set; }

        public override long Length => _length;

        public override bool IsFull => false;

        public void Advance(Tensor hidden, Tensor cell)
        {
            Replace(hidden.DetachFromDisposeScope(), cell.DetachFromDisposeScope());
            _length++;
        }

        private void Replace(Tensor hidden, Tensor cell)
        {
            Hidden.Dispose();
            Cell.Dispose();
            (Hidden, Cell) = (hidden, cell);
        }

        public override void Reorder(Tensor rows) =>
            Replace(Hidden.IndexSelect(1, rows).DetachFromDisposeScope(), Cell.IndexSelect(1, rows).DetachFromDisposeScope());

        public override void Dispose()
        {
            Hidden.Dispose();
            Cell.Dispose();
        }
    }
}
