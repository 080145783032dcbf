using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

public class TensorMathTests
{
    [Fact]
    public void Arithmetic_BroadcastsRowAgainstMatrix()
    {
        using var scope = DisposeScope.Enter();
        var a = T([1, 2, 3, 4, 5, 6], 2, 3);
        var row = T([10, 20, 30], 1, 3);
        Close([11, 22, 33, 14, 25, 36], a + row);
        Close([-9, -18, -27, -6, -15, -24], a - row);
        Close([10, 40, 90, 40, 100, 180], a * row);
        Close([0.1, 0.1, 0.1, 0.4, 0.25, 0.2], a / row);
        Close([21, 42, 63, 24, 45, 66], a.Add(row, alpha: 2));
    }

    [Fact]
    public void ScalarOperators_OnBothSides()
    {
        using var scope = DisposeScope.Enter();
        var a = T([1, 2, 4]);
        Close([3, 4, 6], a + 2);
        Close([3, 4, 6], 2 + a);
        Close([-1, 0, 2], a - 2);
        Close([1, 0, -2], 2 - a);
        Close([3, 6, 12], 3 * a);
        Close([0.5, 1, 2], a / 2);
        Close([2, 1, 0.5], 2 / a);
        Close([-1, -2, -4], -a);
        Close([1, 0, 0], a % 2);
        Close([1, 4, 16], a.Pow(2));
        Close([2, 4, 16], T([2, 2, 2]).Pow(T([1, 2, 4])));
    }

    [Fact]
    public void UnaryMath_MatchesClosedForms()
    {
        using var scope = DisposeScope.Enter();
        var x = T([-1.5, 0, 0.5, 2]);
        Close([Math.Exp(-1.5), 1, Math.Exp(0.5), Math.Exp(2)], x.Exp());
        Close([1.5, 0, 0.5, 2], x.Abs());
        Close([Math.Sin(-1.5), 0, Math.Sin(0.5), Math.Sin(2)], x.Sin());
        Close([Math.Cos(-1.5), 1, Math.Cos(0.5), Math.Cos(2)], x.Cos());
        Close([Math.Tanh(-1.5), 0, Math.Tanh(0.5), Math.Tanh(2)], x.Tanh());
        Close([-1, 0, 1, 1], x.Sign());
        Close([-2, 0, 0, 2], x.Floor());
        Close([-1, 0, 1, 2], x.Ceil());
        Close([2.25, 0, 0.25, 4], x.Square());
        var p = T([1, 4, 9]);
        Close([0, Math.Log(4), Math.Log(9)], p.Log());
        Close([1, 2, 3], p.Sqrt());
        Close([1, 0.5, 1 / 3.0], p.Rsqrt());
        Close([Math.Log(2), Math.Log(5), Math.Log(10)], p.Log1p());
    }

    [Fact]
    public void Activations_MatchDefinitions()
    {
        using var scope = DisposeScope.Enter();
        var x = T([-2, -0.5, 0, 1.5]);
        static double Sig(double v) => 1 / (1 + Math.Exp(-v));
        Close([0, 0, 0, 1.5], x.Relu());
        Close([-0.2, -0.05, 0, 1.5], x.LeakyRelu(0.1));
        Close([Sig(-2), Sig(-0.5), 0.5, Sig(1.5)], x.Sigmoid());
        Close([-2 * Sig(-2), -0.5 * Sig(-0.5), 0, 1.5 * Sig(1.5)], x.Silu());
        // Exact GELU: x·Φ(x); Φ(-2) = 0.0227501319, Φ(-0.5) = 0.3085375387, Φ(1.5) = 0.9331927987.
        Close([-2 * 0.0227501319, -0.5 * 0.3085375387, 0, 1.5 * 0.9331927987], x.Gelu(), 1e-8);
        static double GeluTanh(double v) => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        Close([GeluTanh(-2), GeluTanh(-0.5), 0, GeluTanh(1.5)], x.Gelu(tanhApproximation: true));
    }

    [Fact]
    public void Softmax_AndLogSoftmax_AlongDim()
    {
        using var scope = DisposeScope.Enter();
        var x = T([1, 2, 3, 1, 1, 1], 2, 3);
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Close([Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z, 1 / 3.0, 1 / 3.0, 1 / 3.0], x.Softmax(1));
        Close([1 - Math.Log(z), 2 - Math.Log(z), 3 - Math.Log(z), -Math.Log(3), -Math.Log(3), -Math.Log(3)], x.LogSoftmax(-1));
    }

    [Fact]
    public void Comparisons_WhereAndClamp()
    {
        using var scope = DisposeScope.Enter();
        var a = T([1, 2, 3]);
        var b = T([3, 2, 1]);
        Assert.Equal([false, true, false], a.Eq(b).ToArray<bool>());
        Assert.Equal([true, false, true], a.Ne(b).ToArray<bool>());
        Assert.Equal([true, false, false], a.Lt(b).ToArray<bool>());
        Assert.Equal([true, true, false], a.Le(b).ToArray<bool>());
        Assert.Equal([false, false, true], a.Gt(b).ToArray<bool>());
        Assert.Equal([false, true, true], a.Ge(2).ToArray<bool>());
        Assert.Equal([false, true, false], a.Gt(1).LogicalAnd(a.Lt(3)).ToArray<bool>());
        Close([3, 2, 3], Tensor.Where(a.Gt(b), a, b));
        Close([1.5, 2, 2.5], a.Clamp(1.5, 2.5));
        Close([2, 2, 3], a.Clamp(min: 2));
        Close([3, 2, 3], a.Maximum(b));
        Assert.Throws<ArgumentException>(() => a.Clamp());
        Assert.Equal([false, true, false], T([1, double.NaN, 0]).IsNan().ToArray<bool>());
        Assert.Equal([true, false, false], T([1, double.NaN, double.PositiveInfinity]).IsFinite().ToArray<bool>());
    }

    [Fact]
    public void MatrixProducts_MatchHandComputation()
    {
        using var scope = DisposeScope.Enter();
        var a = T([1, 2, 3, 4, 5, 6], 2, 3);
        var b = T([7, 8, 9, 10, 11, 12], 3, 2);
        Close([58, 64, 139, 154], a.Matmul(b));
        Close([58, 64, 139, 154], a.Mm(b));
        var batched = Tensor.Stack([a, a * 2]).Bmm(Tensor.Stack([b, b]));
        Assert.Equal([2L, 2, 2], batched.Shape);
        Close([58, 64, 139, 154, 116, 128, 278, 308], batched);
        // linear: x W^T + b
        var w = T([1, 0, -1, 2, 1, 0], 2, 3);
        Close([1 - 3 + 0.5, 2 + 2 - 1, 4 - 6 + 0.5, 8 + 5 - 1], F.Linear(a, w, T([0.5, -1]))); 
    }

    [Fact]
    public void Multinomial_FollowsProbabilities()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(3);
        var probs = T([0, 0.25, 0.75]);
        var draws = probs.Multinomial(4000, replacement: true).ToArray<long>();
        Assert.DoesNotContain(0L, draws);
        Close(0.75, draws.Count(d => d == 2) / 4000.0, 0.03);
        Close([1, 3, 6, 10], T([1, 2, 3, 4]).Cumsum(0));
    }

    [Fact]
    public void Conversion_ToDtypeAndClone()
    {
        using var scope = DisposeScope.Enter();
        var a = T([1.7, -2.2]);
        Assert.Equal([1L, -2], a.To(ScalarType.Int64).ToArray<long>());
        var c = a.Clone();
        using (Engine.NoGrad()) c.Fill_(0);
        Close([1.7, -2.2], a);
        var alias = a.Alias();
        using (Engine.NoGrad()) alias.Fill_(5);
        Close([5, 5], a);
    }
}
