using Aigc.Torch.Serialization;
using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

/// <summary>Kernel outputs and gradients against PyTorch (Fixtures/make_fixtures.py).</summary>
public class KernelParityTests : IDisposable
{
    private readonly SafeTensorsFile _f = SafeTensors.Load(Fixture("parity.safetensors"));
    private readonly DisposeScope _scope = DisposeScope.Enter();

    private Tensor this[string name] => _f.Tensors[name];

    public void Dispose()
    {
        _scope.Dispose();
        _f.Dispose();
    }

    [Fact]
    public void Conv2d_ForwardAndInputGradient()
    {
        var x = this["conv.input"].Clone().Detach().RequiresGrad_();
        var y = F.Conv2d(x, this["conv.weight"], this["conv.bias"], stride: [2], padding: [1]);
        Close(D(this["conv.output"]), y, 1e-12);
        y.Sum().Backward();
        Close(D(this["conv.input_grad"]), x.Grad!, 1e-12);
    }

    [Fact]
    public void ConvTranspose2d_Forward() =>
        Close(D(this["convt.output"]), F.ConvTranspose2d(this["conv.input"], this["convt.weight"], stride: [2], padding: [1]), 1e-12);

    [Fact]
    public void CrossEntropy_WithIgnoreAndSmoothing() =>
        Close(this["ce.loss"].Item(), F.CrossEntropy(this["ce.logits"], this["ce.target"], labelSmoothing: 0.1).Item(), 1e-12);

    [Fact]
    public void Norms_ActivationsAndInterpolation()
    {
        Close(D(this["norm.group"]), F.GroupNorm(this["conv.input"], 1), 1e-10);
        Close(D(this["norm.layer"]), F.LayerNorm(this["conv.input"], [6, 6]), 1e-10);
        Close(D(this["act.gelu_tanh"]), this["ce.logits"].Gelu(tanhApproximation: true), 1e-12);
        Close(D(this["interp.bilinear"]), F.Interpolate(this["conv.input"], 9, 4, InterpolationMode.Bilinear), 1e-12);
    }

    [Fact]
    public void CausalAttention_OutputAndTheGradientsOfQueriesKeysAndValues()
    {
        Tensor Leaf(string name) => this[name].Clone().Detach().RequiresGrad_();
        var (q, k, v) = (Leaf("attn.q"), Leaf("attn.k"), Leaf("attn.v"));
        var y = F.ScaledDotProductAttention(q, k, v, isCausal: true);
        Close(D(this["attn.output"]), y, 1e-12);
        (y * this["attn.upstream"]).Sum().Backward();
        Close(D(this["attn.q_grad"]), q.Grad!, 1e-12);
        Close(D(this["attn.k_grad"]), k.Grad!, 1e-12);
        Close(D(this["attn.v_grad"]), v.Grad!, 1e-12);
    }

    [Fact]
    public void Lstm_PyTorchWeightsGiveTheSameOutputsStatesAndGradients()
    {
        using var lstm = new Nn.Lstm(3, 4, layers: 2);
        var weights = _f.Tensors.Where(kv => kv.Key.StartsWith("lstm.weight_", StringComparison.Ordinal) || kv.Key.StartsWith("lstm.bias_", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["lstm.".Length..], kv => kv.Value);
        lstm.To(Device.Cpu, ScalarType.Float64);
        lstm.LoadStateDict(weights);
        var x = this["lstm.input"].Clone().Detach().RequiresGrad_();
        var (y, (h, c)) = lstm.Forward(x, (this["lstm.h0"], this["lstm.c0"]));
        Close(D(this["lstm.output"]), y, 1e-12);
        Close(D(this["lstm.hn"]), h, 1e-12);
        Close(D(this["lstm.cn"]), c, 1e-12);
        (y.Sum() + h.Sum() * 2 + c.Sum() * 3).Backward();
        Close(D(this["lstm.input_grad"]), x.Grad!, 1e-12);
    }

    [Fact]
    public void Lstm_WrongInputWidth_NamesTheShape()
    {
        using var lstm = new Nn.Lstm(3, 4);
        var e = Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros([2, 5, 7])));
        Assert.Contains("(B, T, 3)", e.Message);
    }

    [Fact]
    public void ForeignFile_MetadataIsRead() => Assert.Equal("make_fixtures.py", _f.Metadata["generator"]);
}
