using Aigc.Torch.Serialization;
using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

/// <summary>The fused transformer-block ops (F.LinearGelu, F.AddLayerNorm) against PyTorch's op-by-op
/// results (Fixtures/make_fixtures.py) and against the engine's own composite path.</summary>
public class TransformerOpsTests : IDisposable
{
    private readonly SafeTensorsFile _f = SafeTensors.Load(Fixture("parity.safetensors"));
    private readonly DisposeScope _scope = DisposeScope.Enter();

    public void Dispose()
    {
        _scope.Dispose();
        _f.Dispose();
    }

    private Tensor Leaf(string name, ScalarType dtype) => _f.Tensors[name].To(dtype).Detach().RequiresGrad_();

    private double[] Expected(string name) => D(_f.Tensors[name]);

    [Theory]
    [InlineData(ScalarType.Float64, "f64", 1e-12)]
    [InlineData(ScalarType.Float32, "f32", 1e-5)]
    public void LinearGelu_MatchesPyTorchOutputAndGradients(ScalarType dtype, string tag, double tol)
    {
        var (x, w, b) = (Leaf("lingelu.x", dtype), Leaf("lingelu.w", dtype), Leaf("lingelu.b", dtype));
        var y = F.LinearGelu(x, w, b);
        Close(Expected($"lingelu.{tag}.output"), y, tol);
        (y * _f.Tensors["lingelu.upstream"].To(dtype)).Sum().Backward();
        Close(Expected($"lingelu.{tag}.x_grad"), x.Grad!, tol);
        Close(Expected($"lingelu.{tag}.w_grad"), w.Grad!, tol);
        Close(Expected($"lingelu.{tag}.b_grad"), b.Grad!, tol);
    }

    [Theory]
    [InlineData(ScalarType.Float64, "f64", 1e-12)]
    [InlineData(ScalarType.Float32, "f32", 1e-5)]
    public void AddLayerNorm_MatchesPyTorchSumNormalisationAndGradients(ScalarType dtype, string tag, double tol)
    {
        var (x, d) = (Leaf("addnorm.x", dtype), Leaf("addnorm.d", dtype));
        var (w, b) = (Leaf("addnorm.w", dtype), Leaf("addnorm.b", dtype));
        var (sum, normalized) = F.AddLayerNorm(x, d, w, b);
        Close(Expected($"addnorm.{tag}.sum"), sum, tol);
        Close(Expected($"addnorm.{tag}.normalized"), normalized, tol);
        ((sum * _f.Tensors["addnorm.up_sum"].To(dtype)).Sum() + (normalized * _f.Tensors["addnorm.up_norm"].To(dtype)).Sum()).Backward();
        Close(Expected($"addnorm.{tag}.x_grad"), x.Grad!, tol);
        Close(Expected($"addnorm.{tag}.d_grad"), d.Grad!, tol);
        Close(Expected($"addnorm.{tag}.w_grad"), w.Grad!, tol);
        Close(Expected($"addnorm.{tag}.b_grad"), b.Grad!, tol);
    }

    // The float32 kernel's own erf and exp (8 lanes at a time) against the float64 kernel's C library
    // ones, over the whole range where GELU bends and its tails.
    [Fact]
    public void LinearGelu_Float32_StaysWithinFloatRoundingOfFloat64()
    {
        var z = Tensor.Linspace(-12, 12, 4001, ScalarType.Float64).Unsqueeze(1);
        var w = Tensor.Ones([1, 1], ScalarType.Float64);
        var b = Tensor.Zeros([1], ScalarType.Float64);
        var z32 = z.To(ScalarType.Float32).Detach().RequiresGrad_();
        var z64 = z32.To(ScalarType.Float64).Detach().RequiresGrad_();
        var y32 = F.LinearGelu(z32, w.To(ScalarType.Float32), b.To(ScalarType.Float32));
        var y64 = F.LinearGelu(z64, w, b);
        y32.Sum().Backward();
        y64.Sum().Backward();
        Close(D(y64), y32, 3e-7);
        Close(D(z64.Grad!), z32.Grad!, 3e-7);
    }

    // Large enough that both kernels split their work between two threads.
    [Fact]
    public void LinearGelu_LargeFloat32_MatchesComposite()
    {
        Engine.ManualSeed(7);
        var x = Tensor.Randn([3, 100, 48]).RequiresGrad_();
        var w = (Tensor.Randn([200, 48]) * 0.3).Detach().RequiresGrad_();
        var b = Tensor.Randn([200]).RequiresGrad_();
        var upstream = Tensor.Randn([3, 100, 200]);

        var reference = F.Linear(x, w, b).Gelu();
        (reference * upstream).Sum().Backward();
        var expected = new[] { x.Grad!, w.Grad!, b.Grad! }.Select(t => D(t)).ToArray();
        foreach (var t in new[] { x, w, b }) t.Grad!.Fill_(0);

        var y = F.LinearGelu(x, w, b);
        Close(D(reference), y, 1e-5);
        (y * upstream).Sum().Backward();
        // Gradients are sums over 200 or 300 products of O(1) terms that largely cancel, so float32
        // rounding differences of the GELU slopes (~1e-7 each) add up to ~1e-5 absolute.
        Close(expected[0], x.Grad!, 1e-4);
        Close(expected[1], w.Grad!, 1e-4);
        Close(expected[2], b.Grad!, 1e-4);
    }

    // The weight is the identity, so the GEMMs are exact whatever blocking the BLAS picks for a thread
    // count and only the fused kernels' own splitting could change a bit.
    [Fact]
    public void LinearGelu_IsTheSameAtAnyThreadCount()
    {
        Engine.ManualSeed(11);
        var x = Tensor.Randn([300, 200]).RequiresGrad_();
        var identity = new float[200 * 200];
        for (int i = 0; i < 200; i++) identity[i * 201] = 1;
        var w = Tensor.FromArray(identity, 200, 200);
        var b = Tensor.Randn([200]).RequiresGrad_();
        var upstream = Tensor.Randn([300, 200]);

        double[][] Fused(int threads)
        {
            int original = Engine.NumThreads;
            Engine.SetNumThreads(threads);
            try
            {
                x.Grad?.Fill_(0);
                b.Grad?.Fill_(0);
                var y = F.LinearGelu(x, w, b);
                (y * upstream).Sum().Backward();
                return [D(y), D(x.Grad!), D(b.Grad!)];
            }
            finally
            {
                Engine.SetNumThreads(original);
            }
        }

        var two = Fused(2);
        var one = Fused(1);
        for (int i = 0; i < two.Length; i++) Assert.Equal(two[i], one[i]);
    }

    [Fact]
    public void AddLayerNorm_LargeFloat32_MatchesCompositeAndIsTheSameAtAnyThreadCount()
    {
        Engine.ManualSeed(8);
        var x = Tensor.Randn([6, 100, 64]).RequiresGrad_();
        var d = Tensor.Randn([6, 100, 64]).RequiresGrad_();
        var w = (Tensor.Randn([64]) * 0.2 + 1).Detach().RequiresGrad_();
        var b = Tensor.Randn([64]).RequiresGrad_();
        var upSum = Tensor.Randn([6, 100, 64]);
        var upNorm = Tensor.Randn([6, 100, 64]);

        var h = x + d;
        ((h * upSum).Sum() + (F.LayerNorm(h, [64], w, b) * upNorm).Sum()).Backward();
        var expected = new[] { x.Grad!, d.Grad!, w.Grad!, b.Grad! }.Select(t => D(t)).ToArray();
        var expectedNorm = D(F.LayerNorm(h, [64], w, b));

        double[][] Fused(int threads)
        {
            int original = Engine.NumThreads;
            Engine.SetNumThreads(threads);
            try
            {
                foreach (var t in new[] { x, d, w, b }) t.Grad!.Fill_(0);
                var (sum, normalized) = F.AddLayerNorm(x, d, w, b);
                ((sum * upSum).Sum() + (normalized * upNorm).Sum()).Backward();
                return [D(normalized), D(x.Grad!), D(d.Grad!), D(w.Grad!), D(b.Grad!)];
            }
            finally
            {
                Engine.SetNumThreads(original);
            }
        }

        var two = Fused(2);
        Close(expectedNorm, Tensor.FromArray(two[0]), 1e-5);
        for (int i = 0; i < 4; i++) Close(expected[i], Tensor.FromArray(two[i + 1]), 1e-4);
        var one = Fused(1);
        for (int i = 0; i < two.Length; i++) Assert.Equal(two[i], one[i]);
    }

    [Fact]
    public void AddLayerNorm_WithOneOutputUsedOrNoAffine_MatchesComposite()
    {
        Engine.ManualSeed(9);
        var x = Tensor.Randn([4, 10]).RequiresGrad_();
        var d = Tensor.Randn([4, 10]).RequiresGrad_();
        var up = Tensor.Randn([4, 10]);

        // Only the normalisation flows back, with no γ or β.
        (F.LayerNorm(x + d, [10]) * up).Sum().Backward();
        var expected = D(x.Grad!);
        x.Grad!.Fill_(0);
        d.Grad!.Fill_(0);
        var (_, normalized) = F.AddLayerNorm(x, d);
        Close(D(F.LayerNorm(x + d, [10])), normalized, 1e-5);
        (normalized * up).Sum().Backward();
        Close(expected, x.Grad!, 1e-5);
        Close(expected, d.Grad!, 1e-5);

        // Only the sum flows back: both inputs get its gradient unchanged.
        x.Grad!.Fill_(0);
        var (sum, _) = F.AddLayerNorm(x, d);
        (sum * up).Sum().Backward();
        Close(D(up), x.Grad!, 0);
    }

    [Fact]
    public void NoBiasAndBroadcastDelta_MatchTheOpSequence()
    {
        Engine.ManualSeed(10);
        var x = Tensor.Randn([5, 6]);
        var w = Tensor.Randn([7, 6]);
        Close(D(F.Linear(x, w).Gelu()), F.LinearGelu(x, w), 1e-6);            // no bias
        var row = Tensor.Randn([6]);
        var (sum, normalized) = F.AddLayerNorm(x, row);                       // delta broadcast over rows
        Close(D(x + row), sum, 0);
        Close(D(F.LayerNorm(x + row, [6])), normalized, 1e-6);
    }

    [Fact]
    public void BadShapes_ThrowAndNameTheMismatch()
    {
        var e = Assert.Throws<TorchException>(() => F.LinearGelu(Tensor.Zeros([2, 5]), Tensor.Zeros([3, 4]), Tensor.Zeros([3])));
        Assert.Contains("shapes cannot be multiplied", e.Message);
        Assert.Throws<TorchException>(() => F.AddLayerNorm(Tensor.Zeros([2, 5]), Tensor.Zeros([2, 5]), Tensor.Ones([4])));
        using var norm = new Nn.LayerNorm([2, 5]);
        Assert.Throws<InvalidOperationException>(() => norm.Forward(Tensor.Zeros([3, 2, 5]), Tensor.Zeros([3, 2, 5])));
        Assert.Throws<ArgumentNullException>(() => F.LinearGelu(null!, Tensor.Zeros([3, 4])));
    }
}
