using Aigc.Torch;
using Aigc.Torch.Nn;
using Aigc.Torch.Onnx;

namespace Aigc.MLNet.Diffusion;

/// <summary>GroupNorm → SiLU → conv, plus the projected time embedding, then GroupNorm → SiLU →
/// dropout → conv, added to the input (through a 1x1 convolution when the channels change).</summary>
internal sealed class ResBlock : Module
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly Linear time_proj;
    private readonly GroupNorm norm2;
    private readonly Dropout dropout;
    private readonly Conv2d conv2;
    private readonly Conv2d? skip;

    public ResBlock(int inChannels, int outChannels, int timeDim, int groups, double dropoutP)
    {
        norm1 = new GroupNorm(groups, inChannels);
        conv1 = new Conv2d(inChannels, outChannels, 3, padding: 1);
        time_proj = new Linear(timeDim, outChannels);
        norm2 = new GroupNorm(groups, outChannels);
        dropout = new Dropout(dropoutP);
        conv2 = new Conv2d(outChannels, outChannels, 3, padding: 1);
        skip = inChannels == outChannels ? null : new Conv2d(inChannels, outChannels, 1);
    }

    public Tensor Forward(Tensor x, Tensor timeEmbedding)
    {
        using var scope = DisposeScope.Enter();
        var h = conv1.Forward(norm1.Forward(x).Silu());
        h = h + time_proj.Forward(timeEmbedding.Silu()).Unsqueeze(2).Unsqueeze(3);
        h = conv2.Forward(dropout.Forward(norm2.Forward(h).Silu()));
        return (h + (skip?.Forward(x) ?? x)).MoveToOuterScope();
    }

    /// <summary><see cref="Forward"/> in an ONNX graph (dropout is the identity at inference).</summary>
    public string Export(OnnxGraph g, string x, string timeEmbedding, string prefix)
    {
        var h = g.Conv(g.Silu(g.GroupNorm(x, norm1, $"{prefix}.norm1")), conv1, $"{prefix}.conv1");
        var time = g.Op("Unsqueeze", [g.Linear(g.Silu(timeEmbedding), time_proj, $"{prefix}.time_proj"), g.Ints(2, 3)]);
        h = g.Conv(g.Silu(g.GroupNorm(g.Op("Add", [h, time]), norm2, $"{prefix}.norm2")), conv2, $"{prefix}.conv2");
        return g.Op("Add", [h, skip is null ? x : g.Conv(x, skip, $"{prefix}.skip")]);
    }
}

/// <summary>Single-head self-attention over the H·W positions of a feature map, added to the input.</summary>
internal sealed class AttentionBlock : Module<Tensor, Tensor>
{
    private readonly GroupNorm norm;
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly long _channels;

    public AttentionBlock(int channels, int groups)
    {
        _channels = channels;
        norm = new GroupNorm(groups, channels);
        qkv = new Linear(channels, 3 * channels);
        proj = new Linear(channels, channels);
    }

    public override Tensor Forward(Tensor input)
    {
        using var scope = DisposeScope.Enter();
        long b = input.Size(0), h = input.Size(2), w = input.Size(3);
        var tokens = norm.Forward(input).View(b, _channels, h * w).Transpose(1, 2);     // (B, HW, C)
        var parts = qkv.Forward(tokens).Unsqueeze(1).Split(_channels, 3);               // 3 x (B, 1, HW, C)
        var y = F.ScaledDotProductAttention(parts[0], parts[1], parts[2]).Squeeze(1);   // (B, HW, C)
        var back = proj.Forward(y).Transpose(1, 2).Reshape(b, _channels, h, w);
        return (input + back).MoveToOuterScope();
    }

    /// <summary><see cref="Forward"/> in an ONNX graph: the same single-head attention, with the
    /// softmax scale 1/√C of scaled dot-product attention.</summary>
    public string Export(OnnxGraph g, string input, string prefix)
    {
        var swap = OnnxAttribute.Ints("perm", 0, 2, 1);
        var tokens = g.Op("Transpose", [g.Reshape(g.GroupNorm(input, norm, $"{prefix}.norm"), 0, _channels, -1)], swap);  // (B, HW, C)
        var qkvs = g.Op("Split", [g.LinearLastDim(tokens, qkv, $"{prefix}.qkv")], 3, OnnxAttribute.Int("axis", 2));        // 3 x (B, HW, C)
        var scores = g.Op("Mul", [g.Op("MatMul", [qkvs[0], g.Op("Transpose", [qkvs[1]], swap)]), g.Scalar((float)(1 / Math.Sqrt(_channels)))]);
        var y = g.Op("MatMul", [g.Op("Softmax", [scores], OnnxAttribute.Int("axis", -1)), qkvs[2]]);                          // (B, HW, C)
        var back = g.Op("Reshape", [g.Op("Transpose", [g.LinearLastDim(y, proj, $"{prefix}.proj")], swap), g.Op("Shape", [input])]);
        return g.Op("Add", [input, back]);
    }
}

/// <summary>One resolution level: residual blocks, then an optional resampling convolution
/// (stride-2 on the way down; nearest ×2 then 3x3 on the way up).</summary>
internal sealed class UNetLevel : Module
{
    private readonly ModuleList<ResBlock> blocks;
    private readonly Conv2d? resample;
    private readonly bool _up;

    public UNetLevel(IEnumerable<ResBlock> resBlocks, int channels, bool? upsample)
    {
        blocks = new ModuleList<ResBlock>(resBlocks);
        _up = upsample == true;
        resample = upsample switch
        {
            true => new Conv2d(channels, channels, 3, padding: 1),
            false => new Conv2d(channels, channels, 3, stride: 2, padding: 1),
            null => null,
        };
    }

    public IReadOnlyList<ResBlock> Blocks => blocks;

    public Tensor Resample(Tensor x)
    {
        if (resample is null) return x;
        if (!_up) return resample.Forward(x);
        using var scope = DisposeScope.Enter();
        return resample.Forward(F.Interpolate(x, x.Size(2) * 2, x.Size(3) * 2)).MoveToOuterScope();
    }

    /// <summary><see cref="Resample"/> in an ONNX graph; nearest ×2 is Resize with PyTorch's
    /// "nearest" sampling (asymmetric coordinates, floor).</summary>
    public string ExportResample(OnnxGraph g, string x, string prefix)
    {
        if (resample is null) return x;
        if (_up)
            x = g.Op("Resize", [x, "", g.Initializer(g.Fresh("scales"), [1f, 1f, 2f, 2f], 4)],
                OnnxAttribute.String("mode", "nearest"), OnnxAttribute.String("coordinate_transformation_mode", "asymmetric"),
                OnnxAttribute.String("nearest_mode", "floor"));
        return g.Conv(x, resample, $"{prefix}.resample");
    }
}

/// <summary>
/// The denoising network of a diffusion model (after Ho et al.'s U-Net, smaller): a sinusoidal
/// embedding of the step through a two-layer MLP (plus a class embedding with a "no label" entry
/// for conditional models), residual blocks with group norm and SiLU at each resolution, stride-2
/// downsampling and nearest-neighbour upsampling with skip connections between matching levels,
/// and self-attention in the middle at the lowest resolution. Input and output (B, C, H, W).
/// </summary>
internal sealed class UNet : Module
{
    private readonly Linear time_embed_1;
    private readonly Linear time_embed_2;
    private readonly Embedding? class_embed;
    private readonly Conv2d conv_in;
    private readonly ModuleList<UNetLevel> down;
    private readonly ResBlock mid_block1;
    private readonly AttentionBlock? mid_attn;
    private readonly ResBlock mid_block2;
    private readonly ModuleList<UNetLevel> up;
    private readonly GroupNorm norm_out;
    private readonly Conv2d conv_out;
    private readonly float[] _frequencies;

    /// <summary>Builds the network for (channels, H, W) images; <paramref name="numClasses"/> makes it class-conditional.</summary>
    /// <exception cref="ArgumentException">H or W is not divisible by 2^(levels − 1).</exception>
    public UNet(UNetOptions options, int channels, int height, int width, int? numClasses = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int levels = options.ChannelMultipliers.Count, factor = 1 << (levels - 1);
        if (height % factor != 0 || width % factor != 0)
            throw new ArgumentException($"A U-Net with {levels} levels needs H and W divisible by {factor}; the images are {height}x{width}.", nameof(height));
        (Options, Channels, NumClasses) = (options, channels, numClasses);
        int b = options.BaseChannels, time = 4 * b, g = options.NormGroups;
        var widths = options.ChannelMultipliers.Select(m => b * m).ToArray();
        if (widths.Any(w => w % g != 0)) throw new ArgumentException($"NormGroups ({g}) must divide every level's channels ({string.Join(", ", widths)}).", nameof(options));

        time_embed_1 = new Linear(b, time);
        time_embed_2 = new Linear(time, time);
        class_embed = numClasses is { } k ? new Embedding(k + 1, time) : null;
        conv_in = new Conv2d(channels, b, 3, padding: 1);
        var downLevels = new List<UNetLevel>();
        int ch = b;
        for (int i = 0; i < levels; i++)
        {
            var blocks = new List<ResBlock>();
            for (int j = 0; j < options.ResBlocksPerLevel; j++, ch = widths[i]) blocks.Add(new ResBlock(ch, widths[i], time, g, options.Dropout));
            downLevels.Add(new UNetLevel(blocks, widths[i], i < levels - 1 ? false : null));
        }
        down = new ModuleList<UNetLevel>(downLevels);
        mid_block1 = new ResBlock(ch, ch, time, g, options.Dropout);
        mid_attn = options.MidAttention ? new AttentionBlock(ch, g) : null;
        mid_block2 = new ResBlock(ch, ch, time, g, options.Dropout);
        var upLevels = new List<UNetLevel>();
        for (int i = levels - 1; i >= 0; i--)
        {
            var blocks = new List<ResBlock> { new(ch + widths[i], widths[i], time, g, options.Dropout) };
            for (int j = 1; j < options.ResBlocksPerLevel; j++) blocks.Add(new ResBlock(widths[i], widths[i], time, g, options.Dropout));
            ch = widths[i];
            upLevels.Add(new UNetLevel(blocks, ch, i > 0 ? true : null));
        }
        up = new ModuleList<UNetLevel>(upLevels);
        norm_out = new GroupNorm(g, ch);
        conv_out = new Conv2d(ch, channels, 3, padding: 1);
        int half = b / 2;
        _frequencies = Enumerable.Range(0, half).Select(i => (float)Math.Exp(-Math.Log(10000) * i / half)).ToArray();
    }

    /// <summary>The architecture.</summary>
    public UNetOptions Options { get; }

    /// <summary>The number of weight values a U-Net of this shape has, computed without building it
    /// (checked against a model file before any allocation).</summary>
    public static long CountParameters(UNetOptions o, int channels, int? numClasses)
    {
        checked
        {
            long b = o.BaseChannels, t = 4 * b;
            long Conv(long i, long k, long n) => i * n * k * k + n;
            long Res(long i, long n) => 2 * i + Conv(i, 3, n) + (t * n + n) + 2 * n + Conv(n, 3, n) + (i == n ? 0 : Conv(i, 1, n));
            var widths = o.ChannelMultipliers.Select(m => b * m).ToArray();
            long total = (b * t + t) + (t * t + t) + (numClasses is { } k ? (k + 1) * t : 0) + Conv(channels, 3, b);
            long ch = b;
            for (int i = 0; i < widths.Length; i++)
            {
                for (int j = 0; j < o.ResBlocksPerLevel; j++, ch = widths[i]) total += Res(ch, widths[i]);
                if (i < widths.Length - 1) total += Conv(widths[i], 3, widths[i]);
            }
            total += 2 * Res(ch, ch) + (o.MidAttention ? 2 * ch + (ch * 3 * ch + 3 * ch) + (ch * ch + ch) : 0);
            for (int i = widths.Length - 1; i >= 0; i--)
            {
                total += Res(ch + widths[i], widths[i]) + (o.ResBlocksPerLevel - 1) * Res(widths[i], widths[i]);
                ch = widths[i];
                if (i > 0) total += Conv(ch, 3, ch);
            }
            return total + 2 * ch + Conv(ch, 3, channels);
        }
    }

    /// <summary>Image channels.</summary>
    public int Channels { get; }

    /// <summary>Classes of a conditional model (the label <c>NumClasses</c> means "no label"); null when unconditional.</summary>
    public int? NumClasses { get; }

    /// <summary>Predicts from noisy images (B, C, H, W) at Int64 steps (B), with Int64 labels (B) for a
    /// conditional model (a label equal to <see cref="NumClasses"/> asks for the unconditional prediction).</summary>
    public Tensor Forward(Tensor x, Tensor timesteps, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(timesteps);
        if ((labels is null) != (class_embed is null))
            throw new ArgumentException(class_embed is null ? "This U-Net is not conditional: it takes no labels." : "This U-Net is class-conditional: give one label per image.", nameof(labels));
        using var scope = DisposeScope.Enter();
        var frequencies = Tensor.FromArray(_frequencies, 1, _frequencies.Length).To(x.Device);
        var t = timesteps.To(x.Device, ScalarType.Float32).Unsqueeze(1) * frequencies;                 // (B, b/2)
        var emb = time_embed_2.Forward(time_embed_1.Forward(Tensor.Cat([t.Sin(), t.Cos()], 1)).Silu());
        if (class_embed is not null) emb = emb + class_embed.Forward(labels!);

        var h = conv_in.Forward(x);
        var skips = new Stack<Tensor>();
        foreach (var level in down)
        {
            foreach (var block in level.Blocks) h = block.Forward(h, emb);
            skips.Push(h);
            h = level.Resample(h);
        }
        h = mid_block1.Forward(h, emb);
        if (mid_attn is not null) h = mid_attn.Forward(h);
        h = mid_block2.Forward(h, emb);
        foreach (var level in up)
        {
            h = Tensor.Cat([h, skips.Pop()], 1);
            foreach (var block in level.Blocks) h = block.Forward(h, emb);
            h = level.Resample(h);
        }
        return conv_out.Forward(norm_out.Forward(h).Silu()).MoveToOuterScope();
    }

    /// <summary><see cref="Forward"/> in an ONNX graph: (x, int64 steps, int64 labels or null) values → prediction value.</summary>
    public string Export(OnnxGraph g, string x, string timesteps, string? labels)
    {
        var t = g.Op("Mul", [g.Op("Unsqueeze", [g.Op("Cast", [timesteps], OnnxAttribute.Int("to", (long)OnnxElementType.Float)), g.Ints(1)]),
            g.Initializer("time_frequencies", _frequencies, 1, _frequencies.Length)]);                                   // (B, b/2)
        var sinusoid = g.Op("Concat", [g.Op("Sin", [t]), g.Op("Cos", [t])], OnnxAttribute.Int("axis", 1));
        var emb = g.Linear(g.Silu(g.Linear(sinusoid, time_embed_1, nameof(time_embed_1))), time_embed_2, nameof(time_embed_2));
        if (class_embed is not null) emb = g.Op("Add", [emb, g.Embedding(labels!, class_embed, nameof(class_embed))]);

        var h = g.Conv(x, conv_in, nameof(conv_in));
        var skips = new Stack<string>();
        for (int i = 0; i < down.Count; i++)
        {
            for (int j = 0; j < down[i].Blocks.Count; j++) h = down[i].Blocks[j].Export(g, h, emb, $"down.{i}.blocks.{j}");
            skips.Push(h);
            h = down[i].ExportResample(g, h, $"down.{i}");
        }
        h = mid_block1.Export(g, h, emb, nameof(mid_block1));
        if (mid_attn is not null) h = mid_attn.Export(g, h, nameof(mid_attn));
        h = mid_block2.Export(g, h, emb, nameof(mid_block2));
        for (int i = 0; i < up.Count; i++)
        {
            h = g.Op("Concat", [h, skips.Pop()], OnnxAttribute.Int("axis", 1));
            for (int j = 0; j < up[i].Blocks.Count; j++) h = up[i].Blocks[j].Export(g, h, emb, $"up.{i}.blocks.{j}");
            h = up[i].ExportResample(g, h, $"up.{i}");
        }
        return g.Conv(g.Silu(g.GroupNorm(h, norm_out, nameof(norm_out))), conv_out, nameof(conv_out));
    }
}
