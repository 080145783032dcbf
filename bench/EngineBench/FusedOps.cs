using System.Diagnostics;
using Aigc.Torch;

namespace EngineBench;

/// <summary>The fused transformer-block ops against the op sequences they replace, on the baby GPT's
/// shapes (12 × 64 tokens, 128 wide, MLP 512 wide), alternating the two in one process so the
/// machine's drift hits both: per round, the mean ms of a batch of calls each way.</summary>
internal static class FusedOps
{
    public static IEnumerable<object> Run(int rounds, int calls)
    {
        Engine.ManualSeed(1);
        using var scope = DisposeScope.Enter();
        var x = Tensor.Randn([12, 64, 128]).RequiresGrad_();
        var w = (Tensor.Randn([512, 128]) * 0.05).Detach().RequiresGrad_();
        var b = Tensor.Zeros([512]).RequiresGrad_();
        var upMlp = Tensor.Randn([12, 64, 512]);
        var d = Tensor.Randn([12, 64, 128]).RequiresGrad_();
        var gamma = Tensor.Ones([128]).RequiresGrad_();
        var beta = Tensor.Zeros([128]).RequiresGrad_();
        var up = Tensor.Randn([12, 64, 128]);

        var cases = new (string Op, Action Composite, Action Fused)[]
        {
            ("linear_gelu_forward_backward",
                () => Backward(() => F.Linear(x, w, b).Gelu() * upMlp),
                () => Backward(() => F.LinearGelu(x, w, b) * upMlp)),
            ("linear_gelu_forward",
                () => NoGrad(() => F.Linear(x, w, b).Gelu()),
                () => NoGrad(() => F.LinearGelu(x, w, b))),
            ("add_layer_norm_forward_backward",
                () => Backward(() => { var h = x + d; return h * up + F.LayerNorm(h, [128], gamma, beta) * up; }),
                () => Backward(() => { var (h, n) = F.AddLayerNorm(x, d, gamma, beta); return h * up + n * up; })),
        };
        foreach (var (op, composite, fused) in cases)
        {
            var opByOp = new List<double>();
            var fusedMs = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                // Alternate which side goes first, so neither always runs on a warmer machine.
                if (r % 2 == 0) { opByOp.Add(Time(composite, calls)); fusedMs.Add(Time(fused, calls)); }
                else { fusedMs.Add(Time(fused, calls)); opByOp.Add(Time(composite, calls)); }
            }
            var ratios = fusedMs.Zip(opByOp, (f, c) => f / c).ToArray();
            yield return new { kind = "fused_ops", op, rounds, composite_ms = Median(opByOp), fused_ms = Median(fusedMs),
                               fused_over_composite = Median(ratios), per_round = ratios.Select(v => Math.Round(v, 3)) };
        }
    }

    private static void Backward(Func<Tensor> f)
    {
        using var scope = DisposeScope.Enter();
        f().Sum().Backward();
    }

    private static void NoGrad(Func<Tensor> f)
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Engine.NoGrad();
        f();
    }

    private static double Time(Action a, int calls)
    {
        for (int i = 0; i < calls / 10 + 1; i++) a();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++) a();
        return sw.Elapsed.TotalMilliseconds / calls;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
