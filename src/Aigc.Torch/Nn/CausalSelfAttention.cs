using Aigc.Torch.Onnx;

namespace Aigc.Torch.Nn;

/// <summary>
/// Multi-head causal self-attention as in GPT-2: one projection to queries, keys and values
/// (<c>c_attn</c>), attention where position t sees positions ≤ t, and an output projection
/// (<c>c_proj</c>). Input and output (B, T, C) with C = heads · head size.
/// </summary>
public sealed class CausalSelfAttention : Module<Tensor, Tensor>
{
    private readonly Linear c_attn;
    private readonly Linear c_proj;
    private readonly Dropout resid_dropout;
    private readonly double _attnDropout;

    /// <summary>Creates the block.</summary>
    public CausalSelfAttention(long embeddingDim, long heads, double dropout = 0, bool hasBias = true, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (embeddingDim % heads != 0)
            throw new ArgumentException($"embeddingDim ({embeddingDim}) must be divisible by heads ({heads}).", nameof(heads));
        (EmbeddingDim, Heads, _attnDropout) = (embeddingDim, heads, dropout);
        c_attn = new Linear(embeddingDim, 3 * embeddingDim, hasBias, device);
        c_proj = new Linear(embeddingDim, embeddingDim, hasBias, device);
        resid_dropout = new Dropout(dropout);
    }

    /// <summary>C, the model width.</summary>
    public long EmbeddingDim { get; }

    /// <summary>The number of heads.</summary>
    public long Heads { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null, null);

    /// <summary>Attention that can continue from a <see cref="KeyValueCache"/>: the new positions'
    /// keys and values are appended to it and the queries attend to every cached position.</summary>
    /// <param name="input">(B, T, C) for the new positions.</param>
    /// <param name="cache">Earlier positions of this layer, or null to attend within <paramref name="input"/> only.</param>
    /// <param name="mask">Bool (B, 1, T, S) of allowed query/key pairs over the S = cached + T keys, or
    /// null for plain causal attention (when there is no padding).</param>
    public Tensor Forward(Tensor input, KeyValueCache? cache, Tensor? mask)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = input.Shape;
        if (shape.Length != 3 || shape[2] != EmbeddingDim)
            throw new ArgumentException($"Expected input (B, T, {EmbeddingDim}), got [{string.Join(", ", shape)}].", nameof(input));
        long b = shape[0], t = shape[1], hs = EmbeddingDim / Heads;
        using var scope = DisposeScope.Enter();
        var qkv = c_attn.Forward(input).Split(EmbeddingDim, 2);           // 3 x (B, T, C)
        var q = qkv[0].View(b, t, Heads, hs).Transpose(1, 2);              // (B, nh, T, hs)
        var k = qkv[1].View(b, t, Heads, hs).Transpose(1, 2);              // (B, nh, T, hs)
        var v = qkv[2].View(b, t, Heads, hs).Transpose(1, 2);              // (B, nh, T, hs)
        long past = cache?.Length ?? 0;
        if (cache is not null) (k, v) = cache.Append(k, v);                // (B, nh, past + T, hs)
        // Without a mask, queries and keys that start together need causal masking; queries after
        // cached keys need a shifted triangle, except a single query, which sees every key.
        if (mask is null && past > 0 && t > 1)
            mask = Tensor.Ones([t, past + t], ScalarType.Bool, input.Device).Tril(past);
        var y = F.ScaledDotProductAttention(q, k, v, mask, dropoutP: Training ? _attnDropout : 0, isCausal: mask is null && past == 0); // (B, nh, T, hs)
        y = y.Transpose(1, 2).Contiguous().View(b, t, EmbeddingDim);       // (B, T, C)
        return resid_dropout.Forward(c_proj.Forward(y)).MoveToOuterScope();
    }

    /// <summary>This layer in an ONNX graph, continuing from past keys and values: queries attend to
    /// the past and the new positions where <paramref name="allowed"/> says so.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="input">(B, T, C) for the new positions.</param>
    /// <param name="pastKey">(B, heads, P, head size) keys of earlier positions (P may be 0).</param>
    /// <param name="pastValue">(B, heads, P, head size) values of earlier positions.</param>
    /// <param name="allowed">Bool (B, 1, T, P + T): which keys each query may see.</param>
    /// <param name="prefix">The layer's state-dict key.</param>
    /// <returns>The (B, T, C) output and the (B, heads, P + T, head size) keys and values.</returns>
    public (string Output, string PresentKey, string PresentValue) ExportOnnx(OnnxGraph g, string input, string pastKey, string pastValue, string allowed, string prefix)
    {
        ArgumentNullException.ThrowIfNull(g);
        long hs = EmbeddingDim / Heads;
        var qkv = g.Op("Split", [g.LinearLastDim(input, c_attn, $"{prefix}.c_attn")], 3, OnnxAttribute.Int("axis", 2));   // 3 x (B, T, C)
        string PerHead(string x) => g.Op("Transpose", [g.Reshape(x, 0, 0, Heads, hs)], OnnxAttribute.Ints("perm", 0, 2, 1, 3)); // (B, nh, T, hs)
        var k = g.Op("Concat", [pastKey, PerHead(qkv[1])], OnnxAttribute.Int("axis", 2));                                       // (B, nh, P+T, hs)
        var v = g.Op("Concat", [pastValue, PerHead(qkv[2])], OnnxAttribute.Int("axis", 2));
        var scores = g.Op("Mul", [g.Op("MatMul", [PerHead(qkv[0]), g.Op("Transpose", [k], OnnxAttribute.Ints("perm", 0, 1, 3, 2))]), g.Scalar((float)(1 / Math.Sqrt(hs)))]);
        // A large finite value rather than -inf: a query that may see nothing (a padded one) then gets
        // finite, unused weights instead of NaN.
        scores = g.Op("Where", [allowed, scores, g.Scalar(-1e30f)]);
        var y = g.Op("MatMul", [g.Op("Softmax", [scores], OnnxAttribute.Int("axis", -1)), v]);                                  // (B, nh, T, hs)
        y = g.Reshape(g.Op("Transpose", [y], OnnxAttribute.Ints("perm", 0, 2, 1, 3)), 0, 0, EmbeddingDim);                       // (B, T, C)
        return (g.LinearLastDim(y, c_proj, $"{prefix}.c_proj"), k, v);
    }
}
