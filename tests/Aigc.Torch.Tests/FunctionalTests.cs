using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

public class FunctionalTests
{
    [Fact]
    public void Conv2d_MatchesHandComputedSums()
    {
        using var scope = DisposeScope.Enter();
        // 1x1x3x3 input 1..9, 2x2 kernel of ones: each output is the sum of a 2x2 window.
        var x = Tensor.Arange(1, 10, 1, ScalarType.Float64).Reshape(1, 1, 3, 3);
        var w = Tensor.Ones([1, 1, 2, 2], ScalarType.Float64);
        Close([12, 16, 24, 28], F.Conv2d(x, w, T([0.5]) - 0.5));
        var padded = F.Conv2d(x, w, padding: [1], stride: [2]);
        Assert.Equal([1L, 1, 2, 2], padded.Shape);
        Close([1, 5, 11, 28], padded); // windows at (-1,-1), (-1,1), (1,-1), (1,1)
    }

    [Fact]
    public void ConvTranspose2d_ScattersKernel()
    {
        using var scope = DisposeScope.Enter();
        // A single 1 at the centre of a 1x1 map spreads the kernel; stride 2 doubles size.
        var x = T([1, 2], 1, 1, 1, 2);
        var w = T([1, 2, 3, 4], 1, 1, 2, 2);
        var y = F.ConvTranspose2d(x, w, stride: [2]);
        Assert.Equal([1L, 1, 2, 4], y.Shape);
        Close([1, 2, 2, 4, 3, 4, 6, 8], y);
    }

    [Fact]
    public void Pooling_AndInterpolation()
    {
        using var scope = DisposeScope.Enter();
        var x = Tensor.Arange(0, 16, 1, ScalarType.Float64).Reshape(1, 1, 4, 4);
        Close([5, 7, 13, 15], F.MaxPool2d(x, [2]));
        Close([2.5, 4.5, 10.5, 12.5], F.AvgPool2d(x, [2]));
        var small = T([1, 2, 3, 4], 1, 1, 2, 2);
        Close([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], F.Interpolate(small, 4, 4));
        Close([1, 2, 3, 4], F.Interpolate(small, 2, 2, InterpolationMode.Bilinear));
        Close([1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], F.Interpolate(small, 3, 3, InterpolationMode.Bilinear, alignCorners: true));
    }

    [Fact]
    public void Normalisations_MatchStatistics()
    {
        using var scope = DisposeScope.Enter();
        var x = T([1, 2, 3, 4, 10, 20, 30, 40], 2, 4);
        double s = Math.Sqrt(1.25 + 1e-5);
        Close([-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], F.LayerNorm(x, [4]).Narrow(0, 0, 1), 1e-6);
        var bn = F.BatchNorm(x, null, null, training: true, eps: 0);
        Close([-1, -1, -1, -1, 1, 1, 1, 1], bn, 1e-6);
        var rm = Tensor.Zeros([4], ScalarType.Float64);
        var rv = Tensor.Ones([4], ScalarType.Float64);
        F.BatchNorm(x, rm, rv, training: true, momentum: 0.5);
        Close([2.75, 5.5, 8.25, 11], rm); // 0.5 * batch mean
        var img = T([1, 3, 5, 7], 1, 2, 1, 2); // groups of one channel: (1,3) and (5,7)
        Close([-1, 1, -1, 1], F.GroupNorm(img, 2, eps: 0), 1e-6);
    }

    [Fact]
    public void Embedding_LooksUpRows_AndDropoutScales()
    {
        using var scope = DisposeScope.Enter();
        var w = T([0, 0, 1, 1, 2, 2], 3, 2);
        Close([2, 2, 1, 1], F.Embedding(Tensor.FromArray([2L, 1]), w));
        Engine.ManualSeed(5);
        var d = F.Dropout(Tensor.Ones([10000], ScalarType.Float64), 0.5).ToArray<double>();
        Assert.All(d, v => Assert.True(v == 0 || v == 2));
        Close(0.5, d.Count(v => v == 0) / 10000.0, 0.03);
        Close([1, 1], F.Dropout(Tensor.Ones([2], ScalarType.Float64), 0.5, training: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => F.Dropout(w, 1.5));
    }

    [Fact]
    public void Attention_Causal_EqualsManualMaskedSoftmax()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(11);
        var q = Tensor.Randn([2, 3, 5, 4], ScalarType.Float64);
        var k = Tensor.Randn([2, 3, 5, 4], ScalarType.Float64);
        var v = Tensor.Randn([2, 3, 5, 4], ScalarType.Float64);
        var scores = q.Matmul(k.Transpose(-2, -1)) / 2.0; // sqrt(4)
        var future = Tensor.Ones([5, 5], ScalarType.Bool).Triu(1);
        var expected = scores.MaskedFill(future, double.NegativeInfinity).Softmax(-1).Matmul(v);
        Close(D(expected), F.ScaledDotProductAttention(q, k, v, isCausal: true), 1e-9);
        // First position sees only itself: output equals v[..., 0, :].
        Close(D(v.Select(2, 0)), F.ScaledDotProductAttention(q, k, v, isCausal: true).Select(2, 0), 1e-9);
    }

    [Fact]
    public void Losses_MatchFormulas()
    {
        using var scope = DisposeScope.Enter();
        var p = T([0.9, 0.2, 0.6]);
        var t = T([1, 0, 0]);
        Close((0.01 + 0.04 + 0.36) / 3, F.MseLoss(p, t).Item());
        Close(0.1 + 0.2 + 0.6, F.L1Loss(p, t, Reduction.Sum).Item());
        double bce = -(Math.Log(0.9) + Math.Log(0.8) + Math.Log(0.4)) / 3;
        Close(bce, F.BinaryCrossEntropy(p, t).Item());
        var logits = T([2, -1, 0.5]);
        static double Sp(double z) => Math.Log(1 + Math.Exp(z)); // softplus
        Close((Sp(-2) + Sp(-1) + Sp(0.5)) / 3, F.BinaryCrossEntropyWithLogits(logits, t).Item());
        Close([0.01, 0.04, 0.36], F.MseLoss(p, t, Reduction.None));
    }

    [Fact]
    public void CrossEntropy_IgnoreIndexAndLabelSmoothing()
    {
        using var scope = DisposeScope.Enter();
        var logits = T([2, 1, 0, 0, 0, 3], 2, 3);
        double lse0 = Math.Log(Math.Exp(2) + Math.Exp(1) + 1), lse1 = Math.Log(2 + Math.Exp(3));
        var targets = Tensor.FromArray([0L, 2]);
        Close(((lse0 - 2) + (lse1 - 3)) / 2, F.CrossEntropy(logits, targets).Item());
        // The ignored row contributes nothing, and the mean is over the remaining row.
        Close(lse0 - 2, F.CrossEntropy(logits, Tensor.FromArray([0L, -100])).Item());
        // Smoothing ε: (1-ε)·nll + ε·mean over classes of -log p.
        double eps = 0.3;
        double row0 = (1 - eps) * (lse0 - 2) + eps * ((lse0 - 2) + (lse0 - 1) + lse0) / 3;
        Close(row0, F.CrossEntropy(logits.Narrow(0, 0, 1), Tensor.FromArray([0L]), labelSmoothing: eps).Item());
        Close(lse0 - 2, F.NllLoss(logits.LogSoftmax(1).Narrow(0, 0, 1), Tensor.FromArray([0L])).Item());
    }
}
