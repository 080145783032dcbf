// Engine benchmark, one side of bench/run_engine_bench.py (the other is bench/engine_bench.py).
//   EngineBench train --steps32 N --steps256 N [--models mlp,conv]
//                                                  JSON line per (model, batch): ms per training step
//   EngineBench sgemm                              JSON line: GFLOP/s of a 2048² float32 matmul
//   EngineBench soak --steps N                     JSON lines: live tensors and resident memory over N steps
//   EngineBench fused-ops [--rounds N] [--calls N] JSON line per fused op: fused / op-by-op ms, alternating
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aigc.MLNet.Data;
using Aigc.Torch;
using Aigc.Torch.Nn;
using Aigc.Torch.Optim;
using EngineBench;

string mode = args.Length > 0 ? args[0] : "train";
string? ArgText(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

int Arg(string name, int fallback) => ArgText(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

void Emit(object o) => Console.WriteLine(JsonSerializer.Serialize(o));

// The benches take the process tuning the aigc tool takes (AIGC_PROCESS_TUNING=0 measures without it).
if (Environment.GetEnvironmentVariable("AIGC_PROCESS_TUNING") != "0") ProcessTuning.Apply();
Engine.ManualSeed(0);
switch (mode)
{
    case "sgemm":
        Emit(new { side = "csharp", kind = "sgemm", gflops = Sgemm() });
        break;
    case "train":
        using (var images = LoadImages())
        {
            foreach (var model in (ArgText("--models") ?? "mlp,conv").Split(','))
                foreach (var batch in new[] { 32, 256 })
                {
                    int steps = batch == 32 ? Arg("--steps32", 200) : Arg("--steps256", 40);
                    var (ms, loss) = TrainSteps(model, batch, steps, images);
                    Emit(new { side = "csharp", kind = "train", model, batch, steps, ms_per_step = ms, final_loss = loss });
                }
        }
        break;
    case "soak":
        Soak(Arg("--steps", 10000));
        break;
    case "fused-ops":
        foreach (var record in FusedOps.Run(Arg("--rounds", 11), Arg("--calls", 100))) Emit(record);
        break;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}' (train | sgemm | soak | fused-ops)");
        return 2;
}
return 0;

static Tensor LoadImages()
{
    var idx = IdxFile.Read("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
    using var bytes = Tensor.FromArray(idx.Data.AsSpan(0, 4096 * 784), 4096, 784);
    using var f = bytes.To(ScalarType.Float32);
    return (f / 255.0).DetachFromDisposeScope();
}

// Batches are consecutive slices of the first 4096 images, cycled: the same on both sides.
static (double Ms, double Loss) TrainSteps(string model, int batch, int steps, Tensor images)
{
    using var net = model switch
    {
        "mlp" => Models.Mlp(),
        "conv" => Models.Conv(),
        _ => throw new ArgumentException($"--models takes mlp and conv, not '{model}'"),
    };
    using var opt = new Adam(net.Parameters(), 1e-3);
    using var labels = ((images.Sum(1) * 7).Floor() % 10).To(ScalarType.Int64); // a fixed, learnable target
    int perEpoch = (int)images.Size(0) / batch;
    double loss = 0;
    void Step(int i)
    {
        using var scope = DisposeScope.Enter();
        long start = (long)(i % perEpoch) * batch;
        var x = images.Narrow(0, start, batch);
        var l = model == "mlp"
            ? F.MseLoss(net.Forward(x), x)
            : F.CrossEntropy(net.Forward(x.View(batch, 1, 28, 28)), labels.Narrow(0, start, batch));
        opt.ZeroGrad();
        l.Backward();
        opt.Step();
        if (i == steps - 1) loss = l.Item();
    }
    for (int i = 0; i < 50; i++) Step(i); // warm-up: allocator, kernels, tiered JIT
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < steps; i++) Step(i);
    return (clock.Elapsed.TotalMilliseconds / steps, loss);
}

static double Sgemm()
{
    using var a = Tensor.Randn(2048, 2048);
    using var b = Tensor.Randn(2048, 2048);
    for (int i = 0; i < 2; i++) a.Mm(b).Dispose();
    const int reps = 10;
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < reps; i++) a.Mm(b).Dispose();
    return 2.0 * 2048 * 2048 * 2048 * reps / clock.Elapsed.TotalSeconds / 1e9;
}

void Soak(int steps)
{
    using var images = LoadImages();
    using var net = Models.Mlp();
    using var opt = new Adam(net.Parameters(), 1e-3);
    var clock = Stopwatch.StartNew();
    for (int i = 1; i <= steps; i++)
    {
        using (var scope = DisposeScope.Enter())
        {
            var x = images.Narrow(0, (long)(i % 128) * 32, 32);
            opt.ZeroGrad();
            F.MseLoss(net.Forward(x), x).Backward();
            opt.Step();
        }
        if (i == 1 || i % (steps / 10) == 0)
            Emit(new { side = "csharp", kind = "soak", step = i, live_tensors = Tensor.LiveCount, rss_mib = RssMib(), seconds = clock.Elapsed.TotalSeconds });
    }
}

static double RssMib()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    return double.NaN;
}
