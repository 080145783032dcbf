// The TorchSharp column of the side-by-side step bench (issue #14): TorchSharp 0.107 on NuGet's
// libtorch 2.10 (MKL, oneDNN) running the engine bench's MLP and conv steps (bench/engine_bench.py,
// bench/EngineBench) and the baby GPT's bare training step (as LanguageModelBench overhead --side bare
// and lm_bench.py step), written the way a TorchSharp user would (its fused scaled_dot_product_attention).
//   train : mlp and conv at batch 32 and 256; one JSON line each, ms/step after 50 warm-up steps.
//   gpt   : the baby GPT (4 layers, 4 heads, 128 wide, context 64, batch 12, fortunes characters),
//           AdamW in two groups, clipping at 1; ms/step over --steps after 20 warm-up steps.
// Threads: AIGC_NUM_THREADS (intra-op), as the other sides.
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

string Arg(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 ? args[i + 1] : fallback;
void Emit(object record) => Console.WriteLine(JsonSerializer.Serialize(record));

int threads = int.Parse(Environment.GetEnvironmentVariable("AIGC_NUM_THREADS") ?? Environment.ProcessorCount.ToString());
torch.set_num_threads(threads);
torch.manual_seed(0);
switch (args.Length > 0 ? args[0] : "train")
{
    case "train": Train(); break;
    case "gpt": Gpt(); break;
    default: throw new ArgumentException($"unknown mode {args[0]}");
}

void Train()
{
    using var gz = new GZipStream(File.OpenRead("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"), CompressionMode.Decompress);
    var raw = new byte[16 + 4096 * 784];
    gz.ReadExactly(raw);
    var images = tensor(raw.Skip(16).Select(b => b / 255f).ToArray(), [4096, 784]);
    var labels = (images.sum(1) * 7).floor().remainder(10).to(ScalarType.Int64);
    foreach (var model in new[] { "mlp", "conv" })
        foreach (var batch in new[] { 32, 256 })
        {
            int steps = int.Parse(Arg(batch == 32 ? "--steps32" : "--steps256", batch == 32 ? "200" : "40"));
            Module<Tensor, Tensor> net = model == "mlp"
                ? Sequential(Linear(784, 512), ReLU(), Linear(512, 512), ReLU(), Linear(512, 784))
                : Sequential(Conv2d(1, 32, 3, padding: 1), ReLU(), MaxPool2d(2), Conv2d(32, 64, 3, padding: 1), ReLU(), MaxPool2d(2),
                    Flatten(), Linear(64 * 7 * 7, 10));
            var opt = optim.Adam(net.parameters(), 1e-3);
            int perEpoch = 4096 / batch;
            double loss = 0;
            void Step(int i)
            {
                using var scope = NewDisposeScope();
                int start = i % perEpoch * batch;
                var x = images.narrow(0, start, batch);
                var l = model == "mlp"
                    ? functional.mse_loss(net.forward(x), x)
                    : functional.cross_entropy(net.forward(x.view(batch, 1, 28, 28)), labels.narrow(0, start, batch));
                opt.zero_grad();
                l.backward();
                opt.step();
                if (i == steps - 1) loss = l.item<float>();
            }
            for (int i = 0; i < 50; i++) Step(i);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) Step(i);
            Emit(new { side = "torchsharp", kind = "train", model, batch, steps, ms_per_step = clock.Elapsed.TotalMilliseconds / steps, final_loss = loss });
        }
}

void Gpt()
{
    const int batch = 12, window = 65, warmup = 20;
    int steps = int.Parse(Arg("--steps", "300"));
    var docs = Directory.GetFiles("/usr/share/games/fortunes")
        .Where(f => !f.EndsWith(".dat") && !f.EndsWith(".u8") && !File.GetAttributes(f).HasFlag(FileAttributes.ReparsePoint))
        .Order(StringComparer.Ordinal).SelectMany(f => File.ReadAllText(f).Split("\n%\n")).Where(d => d.Length > 0).ToArray();
    var chars = string.Join("\n\n", docs).EnumerateRunes().Select(r => r.ToString()).ToArray();
    var vocab = chars.Append("\n").Distinct().Order(StringComparer.Ordinal).Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
    var stream = chars.Select(c => vocab[c]).ToArray();
    var model = new BabyGpt(vocab.Count, 128, 4, 4, 64);
    var parameters = model.parameters().ToList();
    var opt = optim.AdamW([new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), weight_decay: 0.1),
                           new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), weight_decay: 0.0)], 1e-3);
    var order = new Random(1);
    var rows = new long[batch * window];
    var clock = new Stopwatch();
    model.train();
    for (int step = 1; step <= warmup + steps; step++)
    {
        if (step == warmup + 1) clock.Start();
        using var scope = NewDisposeScope();
        for (int b = 0; b < batch; b++) Array.Copy(stream, order.NextInt64(stream.Length - window), rows, b * window, window);
        var w = tensor(rows, [batch, window]);
        var logits = model.forward(w.narrow(1, 0, window - 1));
        var loss = functional.cross_entropy(logits.reshape(-1, logits.size(2)), w.narrow(1, 1, window - 1).reshape(-1));
        opt.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(parameters, 1.0);
        opt.step();
        _ = loss.item<float>();
    }
    Emit(new { side = "torchsharp", kind = "gpt", steps, ms_per_step = clock.Elapsed.TotalMilliseconds / steps, parameters = parameters.Sum(p => p.numel()) });
}

/// <summary>GPT-2 layout as lm_bench.py's (pre-LayerNorm blocks, exact GELU, tied output embedding).</summary>
internal sealed class BabyGpt : Module<Tensor, Tensor>
{
    private readonly Embedding wte, wpe;
    private readonly ModuleList<Block> h;
    private readonly LayerNorm ln_f;

    public BabyGpt(long vocab, long dim, long heads, int layers, long ctx) : base(nameof(BabyGpt))
    {
        wte = Embedding(vocab, dim);
        wpe = Embedding(ctx, dim);
        h = new ModuleList<Block>(Enumerable.Range(0, layers).Select(_ => new Block(dim, heads)).ToArray());
        ln_f = LayerNorm(dim);
        RegisterComponents();
        foreach (var (name, p) in named_parameters())
        {
            using var noGrad = torch.no_grad();
            if (name.EndsWith("bias")) p.zero_();
            else if (p.dim() == 2) p.normal_(0, name.EndsWith("c_proj.weight") || name.EndsWith("mlp_proj.weight") ? 0.02 / Math.Sqrt(2 * layers) : 0.02);
        }
    }

    public override Tensor forward(Tensor idx)
    {
        var x = wte.forward(idx) + wpe.forward(arange(idx.size(1)));
        foreach (var block in h) x = block.forward(x);
        return ln_f.forward(x).matmul(wte.weight!.t());
    }

    internal sealed class Block : Module<Tensor, Tensor>
    {
        private readonly long heads;
        private readonly LayerNorm ln_1, ln_2;
        private readonly Linear c_attn, c_proj, c_fc, mlp_proj;

        public Block(long dim, long heads) : base(nameof(Block))
        {
            this.heads = heads;
            ln_1 = LayerNorm(dim);
            c_attn = Linear(dim, 3 * dim);
            c_proj = Linear(dim, dim);
            ln_2 = LayerNorm(dim);
            c_fc = Linear(dim, 4 * dim);
            mlp_proj = Linear(4 * dim, dim);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            long b = x.size(0), t = x.size(1), c = x.size(2);
            var qkv = c_attn.forward(ln_1.forward(x)).split(c, 2);
            Tensor Heads(Tensor z) => z.view(b, t, heads, c / heads).transpose(1, 2);
            var y = functional.scaled_dot_product_attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), is_casual: true);
            x = x + c_proj.forward(y.transpose(1, 2).reshape(b, t, c));
            return x + mlp_proj.forward(functional.gelu(c_fc.forward(ln_2.forward(x))));
        }
    }
}
