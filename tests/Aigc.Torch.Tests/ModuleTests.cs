using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

public class ModuleTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Linear fc = new(4, 8);
        private readonly BatchNorm1d bn = new(8);
        private readonly Linear head = new(8, 2, hasBias: false);

        public override Tensor Forward(Tensor x) => head.Forward(bn.Forward(fc.Forward(x)).Relu());
    }

    [Fact]
    public void Parameters_AreDiscoveredFromFieldsInOrder()
    {
        using var m = new Block();
        Assert.Equal(["fc.weight", "fc.bias", "bn.weight", "bn.bias", "head.weight"], m.NamedParameters().Select(p => p.Name));
        Assert.Equal(["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"], m.NamedBuffers().Select(b => b.Name));
        Assert.Equal(4 * 8 + 8 + 8 + 8 + 16, m.ParameterCount());
        Assert.All(m.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void Containers_NameChildrenByPosition()
    {
        using var seq = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 1));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], seq.NamedParameters().Select(p => p.Name));
        using var list = new ModuleList<Linear>([new Linear(2, 2), new Linear(2, 2)]);
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], list.NamedParameters().Select(p => p.Name));
        using var scope = DisposeScope.Enter();
        Assert.Equal([5L, 1], seq.Forward(Tensor.Randn(5, 3)).Shape);
    }

    [Fact]
    public void LinearInit_FollowsPyTorchBounds()
    {
        using var lin = new Linear(100, 50);
        double bound = 1 / Math.Sqrt(100);
        var w = lin.Weight.ToArray<float>();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.True(w.Max() > 0.9 * bound && w.Min() < -0.9 * bound);
    }

    [Fact]
    public void StateDict_RoundTripsIntoAFreshModule()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(1);
        using var a = new Block();
        a.Forward(Tensor.Randn(6, 4)); // moves batch-norm statistics
        using var b = new Block();
        var state = a.StateDict();
        b.LoadStateDict(state);
        foreach (var t in state.Values) t.Dispose();
        a.Eval();
        b.Eval();
        var x = Tensor.Randn(3, 4);
        Assert.Equal(a.Forward(x).ToArray<float>(), b.Forward(x).ToArray<float>());
        Assert.Equal(1L, b.NamedBuffers().Single(n => n.Name == "bn.num_batches_tracked").Buffer.ItemInt64());
    }

    [Fact]
    public void LoadStateDict_RejectsMissingUnexpectedAndMisshapen()
    {
        using var scope = DisposeScope.Enter();
        using var m = new Linear(3, 2);
        var e = Assert.Throws<ArgumentException>(() => m.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = Tensor.Zeros(2, 3), ["extra"] = Tensor.Zeros(1) }));
        Assert.Contains("missing keys [bias]", e.Message);
        Assert.Contains("unexpected keys [extra]", e.Message);
        var shape = Assert.Throws<ArgumentException>(() => m.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = Tensor.Zeros(3, 2), ["bias"] = Tensor.Zeros(2) }));
        Assert.Contains("Shape mismatch for 'weight'", shape.Message);
        var (missing, unexpected) = m.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = Tensor.Ones(2, 3) }, strict: false);
        Assert.Equal(["bias"], missing);
        Assert.Empty(unexpected);
        Assert.All(m.Weight.ToArray<float>(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void TrainEval_SwitchesDropoutAndBatchNorm()
    {
        using var scope = DisposeScope.Enter();
        using var seq = new Sequential(new Dropout(0.9));
        var x = Tensor.Ones(1000);
        Assert.Contains(0f, seq.Forward(x).ToArray<float>());
        seq.Eval();
        Assert.False(seq.Training);
        Assert.All(seq.Forward(x).ToArray<float>(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void To_ConvertsDtypeKeepingParameterIdentity()
    {
        using var lin = new Linear(2, 2);
        var before = lin.Weight;
        lin.To(Device.Cpu, ScalarType.Float64);
        Assert.Same(before, lin.Weight);
        Assert.Equal(ScalarType.Float64, lin.Weight.DType);
        Assert.True(lin.Weight.RequiresGrad);
        using var scope = DisposeScope.Enter();
        Assert.Equal(ScalarType.Float64, lin.Forward(Tensor.Ones([1, 2], ScalarType.Float64)).DType);
    }

    [Fact]
    public void Layers_ProduceDocumentedShapes()
    {
        using var scope = DisposeScope.Enter();
        using var conv = new Conv2d(1, 4, 3, stride: 2, padding: 1);
        Assert.Equal([2L, 4, 14, 14], conv.Forward(Tensor.Randn(2, 1, 28, 28)).Shape);
        using var deconv = new ConvTranspose2d(4, 2, 4, stride: 2, padding: 1);
        Assert.Equal([2L, 2, 28, 28], deconv.Forward(Tensor.Randn(2, 4, 14, 14)).Shape);
        using var gn = new GroupNorm(2, 4);
        Assert.Equal([2L, 4, 3, 3], gn.Forward(Tensor.Randn(2, 4, 3, 3)).Shape);
        using var emb = new Embedding(10, 3, paddingIdx: 0);
        Assert.All(emb.Weight[0].ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Equal([2L, 5, 3], emb.Forward(Tensor.Zeros([2, 5], ScalarType.Int64)).Shape);
        using var attn = new CausalSelfAttention(8, 2);
        Assert.Equal([3L, 5, 8], attn.Forward(Tensor.Randn(3, 5, 8)).Shape);
        Assert.Equal(["c_attn.weight", "c_attn.bias", "c_proj.weight", "c_proj.bias"], attn.NamedParameters().Select(p => p.Name));
        using var bn2 = new BatchNorm2d(4);
        var e = Assert.Throws<ArgumentException>(() => bn2.Forward(Tensor.Randn(4, 4)));
        Assert.Contains("4-D input, got 2-D", e.Message);
    }

    [Fact]
    public void CausalSelfAttention_IgnoresFuturePositions()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(2);
        using var attn = new CausalSelfAttention(8, 2);
        var x = Tensor.Randn(1, 6, 8);
        var changed = Tensor.Cat([x.Narrow(1, 0, 4), Tensor.Randn(1, 2, 8)], 1);
        // Outputs at positions 0..3 may depend only on inputs 0..3.
        Close(D(attn.Forward(x).Narrow(1, 0, 4)), attn.Forward(changed).Narrow(1, 0, 4), 1e-6);
    }
}
