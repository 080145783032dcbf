using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

/// <summary>Autograd gradients against central finite differences, in float64.</summary>
public class GradientTests
{
    private static void CheckGradient(Func<Tensor, Tensor> f, params long[] shape)
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(42);
        var x0 = Tensor.Rand(shape, ScalarType.Float64) + 0.5; // positive, away from kinks at 0
        var x = x0.Detach().RequiresGrad_();
        f(x).Sum().Backward();
        var analytic = D(x.Grad!);
        var flat = D(x0);
        const double h = 1e-6;
        for (int i = 0; i < flat.Length; i++)
        {
            double Eval(double delta)
            {
                var p = (double[])flat.Clone();
                p[i] += delta;
                using var inner = DisposeScope.Enter();
                using var noGrad = Engine.NoGrad();
                return f(T(p, shape)).Sum().Item();
            }
            double numeric = (Eval(h) - Eval(-h)) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) < 1e-5 * Math.Max(1, Math.Abs(numeric)),
                $"d/dx[{i}]: finite difference {numeric}, autograd {analytic[i]}");
        }
    }

    public static TheoryData<string> Ops => new()
    {
        "mul_add", "div", "exp_log", "sqrt_pow", "tanh_sigmoid", "gelu_silu", "softmax", "log_softmax",
        "matmul", "mean_var", "logsumexp", "layer_norm", "conv2d", "conv_transpose2d", "cross_entropy",
        "mse", "bce_logits", "attention", "max_pool", "interpolate_bilinear", "gather_cat",
    };

    [Theory]
    [MemberData(nameof(Ops))]
    public void Gradient_MatchesFiniteDifferences(string op)
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(9);
        var w = Tensor.Randn([3, 3], ScalarType.Float64).DetachFromDisposeScope();
        var k = Tensor.Randn([2, 1, 2, 2], ScalarType.Float64).DetachFromDisposeScope();
        try
        {
            switch (op)
            {
                case "mul_add": CheckGradient(x => x * x * 3 + x, 2, 3); break;
                case "div": CheckGradient(x => 1.0 / x + x / (x + 1), 4); break;
                case "exp_log": CheckGradient(x => x.Exp() * x.Log(), 4); break;
                case "sqrt_pow": CheckGradient(x => x.Sqrt() + x.Pow(2.5), 4); break;
                case "tanh_sigmoid": CheckGradient(x => x.Tanh() * x.Sigmoid(), 5); break;
                case "gelu_silu": CheckGradient(x => x.Gelu() + x.Silu() + x.Gelu(true), 5); break;
                case "softmax": CheckGradient(x => x.Softmax(1) * Tensor.Arange(0, 3, 1, ScalarType.Float64), 2, 3); break;
                case "log_softmax": CheckGradient(x => x.LogSoftmax(0).Square(), 2, 3); break;
                case "matmul": CheckGradient(x => x.Matmul(w).Tanh(), 2, 3); break;
                case "mean_var": CheckGradient(x => x.Var([1]) + x.Mean(0).Square().Sum(), 3, 4); break;
                case "logsumexp": CheckGradient(x => x.LogSumExp(1), 2, 4); break;
                case "layer_norm": CheckGradient(x => F.LayerNorm(x, [4]) * Tensor.Arange(0, 4, 1, ScalarType.Float64), 2, 4); break;
                case "conv2d": CheckGradient(x => F.Conv2d(x, k, padding: [1]).Square(), 1, 1, 3, 3); break;
                case "conv_transpose2d": CheckGradient(x => F.ConvTranspose2d(x, k, stride: [2]).Square(), 1, 2, 2, 2); break;
                case "cross_entropy": CheckGradient(x => F.CrossEntropy(x, Tensor.FromArray([2L, 0]), labelSmoothing: 0.1), 2, 3); break;
                case "mse": CheckGradient(x => F.MseLoss(x, Tensor.Ones([4], ScalarType.Float64)), 4); break;
                case "bce_logits": CheckGradient(x => F.BinaryCrossEntropyWithLogits(x, T([1, 0, 1, 0])), 4); break;
                case "attention": CheckGradient(x => F.ScaledDotProductAttention(x, x * 0.5, x.Square(), isCausal: true), 1, 1, 3, 2); break;
                case "max_pool": CheckGradient(x => F.MaxPool2d(x, [2]), 1, 1, 4, 4); break;
                case "interpolate_bilinear": CheckGradient(x => F.Interpolate(x, 3, 5, InterpolationMode.Bilinear).Square(), 1, 1, 2, 2); break;
                case "gather_cat": CheckGradient(x => Tensor.Cat([x, x.Gather(1, Tensor.FromArray([1L, 1, 0, 2], 2, 2))], 1).Square(), 2, 3); break;
                default: throw new ArgumentException(op);
            }
        }
        finally
        {
            w.Dispose();
            k.Dispose();
        }
    }
}
