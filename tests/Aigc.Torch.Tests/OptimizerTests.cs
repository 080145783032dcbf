using Aigc.Torch.Optim;
using Aigc.Torch.Serialization;
using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

public class OptimizerTests
{
    private static readonly Dictionary<string, Func<Parameter, Optimizer>> Configs = new()
    {
        ["sgd"] = p => new Sgd([p], 0.05),
        ["sgd_momentum"] = p => new Sgd([p], 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01),
        ["sgd_nesterov"] = p => new Sgd([p], 0.05, momentum: 0.9, nesterov: true),
        ["adam"] = p => new Adam([p], 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1),
        ["adamw"] = p => new AdamW([p], 0.01, weightDecay: 0.1),
    };

    public static TheoryData<string> Names => new(Configs.Keys);

    /// <summary>Runs the five steps of Fixtures/make_fixtures.py from its start point (laid out by
    /// <paramref name="layout"/>) and compares with where torch.optim ended.</summary>
    private static void ReplayFixture(string name, Func<Tensor, Tensor> layout)
    {
        using var fixture = SafeTensors.Load(Fixture("parity.safetensors"));
        using var scope = DisposeScope.Enter();
        var (x, y) = (fixture.Tensors["opt.x"], fixture.Tensors["opt.y"]);
        using var w = new Parameter(layout(fixture.Tensors["opt.w0"]));
        using var opt = Configs[name](w);
        for (int i = 0; i < 5; i++)
        {
            opt.ZeroGrad();
            F.MseLoss(x.Matmul(w.T), y).Backward();
            opt.Step();
        }
        Close(D(fixture.Tensors["opt.result." + name]), w, 1e-12);
    }

    /// <summary>Five steps from the same start as Fixtures/make_fixtures.py must land where torch.optim did.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Step_MatchesTorchOptim(string name)
    {
        ReplayFixture(name, w0 => w0.Clone());
    }

    /// <summary>A transposed (non-contiguous) parameter takes the op-by-op path instead of the
    /// fused CPU kernel; both must land where torch.optim did.</summary>
    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void Step_OnNonContiguousParameter_MatchesTorchOptim(string name)
    {
        ReplayFixture(name, w0 => w0.T.Contiguous().T); // same values, transposed strides
    }

    /// <summary>The fused kernel's vectorised clones (AVX2 where the CPU has it) on a float32
    /// parameter large enough to be split across threads and to leave a remainder after the vector
    /// width, against the op-by-op path on the same values.</summary>
    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void FusedStep_OnLargeFloatParameter_MatchesOpByOpPath(string name)
    {
        Engine.ManualSeed(11);
        using var scope = DisposeScope.Enter();
        var x = Tensor.Randn(16, 205);
        var y = Tensor.Randn(16, 203);
        var start = Tensor.Randn(203, 205); // 41,615 elements: over the 16,384 grain, odd length
        float[] Run(Tensor w0)
        {
            using var w = new Parameter(w0);
            using var opt = Configs[name](w);
            for (int i = 0; i < 5; i++)
            {
                using var step = DisposeScope.Enter();
                opt.ZeroGrad();
                F.MseLoss(x.Matmul(w.T), y).Backward();
                opt.Step();
            }
            return w.Contiguous().ToArray<float>();
        }
        var fused = Run(start.Clone());
        var opByOp = Run(start.T.Contiguous().T);
        Assert.True(fused.Zip(Run(start.Clone())).All(p => p.First == p.Second), "the fused step is not deterministic");
        var startValues = start.ToArray<float>();
        Assert.Contains(fused.Zip(startValues), p => Math.Abs(p.First - p.Second) > 1e-3); // the steps moved it
        for (int i = 0; i < fused.Length; i++)
            Assert.True(Math.Abs(fused[i] - opByOp[i]) <= 1e-6, $"element {i}: fused {fused[i]}, op by op {opByOp[i]}");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Optimizer_DrivesRegressionToNearZeroLoss(string name)
    {
        Engine.ManualSeed(4);
        using var scope = DisposeScope.Enter();
        var trueW = Tensor.Randn(3, 5);
        var x = Tensor.Randn(64, 5);
        var y = x.Matmul(trueW.T);
        using var w = new Parameter(Tensor.Zeros(3, 5));
        var opt = name switch
        {
            "sgd" => (Optimizer)new Sgd([w], 0.1),
            "sgd_momentum" => new Sgd([w], 0.05, momentum: 0.9),
            "sgd_nesterov" => new Sgd([w], 0.05, momentum: 0.9, nesterov: true),
            "adam" => new Adam([w], 0.05),
            _ => new AdamW([w], 0.05, weightDecay: 0),
        };
        double loss = 0;
        for (int i = 0; i < 300; i++)
        {
            using var step = DisposeScope.Enter();
            opt.ZeroGrad();
            var l = F.MseLoss(x.Matmul(w.T), y);
            l.Backward();
            opt.Step();
            loss = l.Item();
        }
        opt.Dispose();
        Assert.True(loss < 1e-4, $"{name} ended at loss {loss}");
    }

    [Fact]
    public void ClipGradNorm_MatchesTorch()
    {
        using var fixture = SafeTensors.Load(Fixture("parity.safetensors"));
        using var scope = DisposeScope.Enter();
        var (x, y) = (fixture.Tensors["opt.x"], fixture.Tensors["opt.y"]);
        using var w = new Parameter(fixture.Tensors["opt.w0"].Clone());
        (F.MseLoss(x.Matmul(w.T), y) * 100).Backward();
        double norm = GradClip.ClipGradNorm([w], 0.5);
        Close(fixture.Tensors["clip.norm"].Item(), norm, 1e-12);
        Close(D(fixture.Tensors["clip.grad"]), w.Grad!, 1e-12);
    }

    /// <summary>The fused 2-norm clip (contiguous float32 gradients, vectorised sum of squares and
    /// scale) against the op-by-op path (the same values in transposed parameters, whose gradients
    /// are not contiguous), clipping and not clipping, and with a NaN gradient, which must spread to
    /// every gradient as torch's clamp and mul_ make it.</summary>
    [Theory]
    [InlineData(0.5)]
    [InlineData(1e9)]
    [InlineData(double.NaN)]
    public void ClipGradNorm_FusedPath_MatchesOpByOpPath(double maxNormOrNaNGradient)
    {
        bool nanGradient = double.IsNaN(maxNormOrNaNGradient);
        double maxNorm = nanGradient ? 1.0 : maxNormOrNaNGradient;
        Engine.ManualSeed(12);
        using var scope = DisposeScope.Enter();
        long[][] shapes = [[203, 205], [37, 3], [1, 9]]; // over the 16,384 grain, and remainders after 8
        var starts = shapes.Select(s => Tensor.Randn(s)).ToArray();
        var weights = shapes.Select(s => Tensor.Randn(s)).ToArray();
        (double Norm, float[][] Grads) Clip(Func<Tensor, Tensor> layout)
        {
            var ps = starts.Select(s => new Parameter(layout(s))).ToArray();
            var loss = ps.Select((p, i) => (p * weights[i] * p).Sum()).Aggregate((a, b) => a + b);
            if (nanGradient) loss = loss + ps[1].Sum() * double.NaN;
            loss.Backward();
            double norm = GradClip.ClipGradNorm(ps, maxNorm);
            var grads = ps.Select(p => p.Grad!.Contiguous().ToArray<float>()).ToArray();
            foreach (var p in ps) p.Dispose();
            return (norm, grads);
        }
        var fused = Clip(s => s.Clone());
        var opByOp = Clip(s => s.T.Contiguous().T);
        if (nanGradient)
        {
            Assert.True(double.IsNaN(fused.Norm) && double.IsNaN(opByOp.Norm));
            Assert.All(fused.Grads.Concat(opByOp.Grads).SelectMany(g => g), x => Assert.True(float.IsNaN(x)));
            return;
        }
        Close(opByOp.Norm, fused.Norm, 1e-6);
        Assert.True(fused.Norm > 0.5, "the gradients were too small for the clip to act");
        for (int t = 0; t < shapes.Length; t++)
            for (int i = 0; i < fused.Grads[t].Length; i++)
                Assert.True(Math.Abs(fused.Grads[t][i] - opByOp.Grads[t][i]) <= 1e-6 * Math.Max(1, Math.Abs(opByOp.Grads[t][i])),
                    $"gradient {t}, element {i}: fused {fused.Grads[t][i]}, op by op {opByOp.Grads[t][i]}");
    }

    [Fact]
    public void SaveAndLoadState_ResumesExactly()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(8);
        var x = Tensor.Randn(16, 4);
        var y = Tensor.Randn(16, 2);
        var start = Tensor.Randn(2, 4);
        void Run(Parameter w, Optimizer opt, int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                using var s = DisposeScope.Enter();
                opt.ZeroGrad();
                F.MseLoss(x.Matmul(w.T), y).Backward();
                opt.Step();
            }
        }
        using var w1 = new Parameter(start.Clone());
        using var o1 = new AdamW([w1], 0.01);
        Run(w1, o1, 10);

        var path = Path.Combine(Path.GetTempPath(), $"adam-{Guid.NewGuid():N}.safetensors");
        using var w2 = new Parameter(start.Clone());
        using (var o2 = new AdamW([w2], 0.01))
        {
            Run(w2, o2, 4);
            o2.SaveState(path);
        }
        using var o3 = new AdamW([w2], 0.01);
        o3.LoadState(path);
        File.Delete(path);
        Assert.Equal(4, o3.StepCount);
        Run(w2, o3, 6);
        Assert.Equal(w1.ToArray<float>(), w2.ToArray<float>());
    }

    [Fact]
    public void LoadState_FromAnotherOptimizer_Throws()
    {
        using var w = new Parameter(Tensor.Zeros(2));
        using var sgd = new Sgd([w], 0.1, momentum: 0.9);
        var path = Path.Combine(Path.GetTempPath(), $"sgd-{Guid.NewGuid():N}.safetensors");
        sgd.SaveState(path);
        using var adam = new Adam([w]);
        var e = Assert.Throws<InvalidDataException>(() => adam.LoadState(path));
        File.Delete(path);
        Assert.Contains("'Sgd', not Adam", e.Message);
    }

    [Fact]
    public void ParamGroups_HaveTheirOwnLearningRates()
    {
        using var scope = DisposeScope.Enter();
        using var a = new Parameter(Tensor.Ones(1));
        using var b = new Parameter(Tensor.Ones(1));
        using var opt = new Sgd([new ParamGroup([a]), new ParamGroup([b], learningRate: 1.0)], 0.1);
        (a + b).Sum().Backward();
        opt.Step();
        Close([0.9], a);
        Close([0.0], b);
    }

    [Fact]
    public void Constructors_RejectBadHyperparameters()
    {
        using var w = new Parameter(Tensor.Zeros(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([w], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([w], beta1: 1));
        Assert.Throws<ArgumentException>(() => new Sgd([w], 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Adam(Array.Empty<Parameter>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradClip.ClipGradNorm([w], 0));
    }

    [Fact]
    public void Schedules_FollowTheirFormulas()
    {
        using var w = new Parameter(Tensor.Zeros(1));
        using var opt = new Sgd([w], 1.0);
        var cosine = new WarmupCosineSchedule(opt, warmupSteps: 4, totalSteps: 14, minFactor: 0.1);
        Close(0.2, opt.Groups[0].LearningRate);
        cosine.SetStep(4);
        Close(1.0, opt.Groups[0].LearningRate);
        cosine.SetStep(9);
        Close(0.55, opt.Groups[0].LearningRate);
        cosine.SetStep(20);
        Close(0.1, opt.Groups[0].LearningRate);
        var stepLr = new StepSchedule(opt, stepSize: 3, gamma: 0.5);
        for (int i = 0; i < 7; i++) stepLr.Step();
        Close(0.25, opt.Groups[0].LearningRate);
        var warm = new LinearWarmupSchedule(opt, 3);
        Close(0.25, opt.Groups[0].LearningRate);
        warm.SetStep(10);
        Close(1.0, opt.Groups[0].LearningRate);
    }
}

public class ExponentialMovingAverageTests
{
    [Fact]
    public void Update_FollowsTheWarmedUpDecay_AndCopiesIntoAModule()
    {
        using var scope = DisposeScope.Enter();
        using var model = new Nn.Linear(1, 1, hasBias: false);
        using (Engine.NoGrad()) model.Weight.Fill_(2);
        using var ema = new Optim.ExponentialMovingAverage(model, decay: 0.999);
        using (Engine.NoGrad()) model.Weight.Fill_(4);
        ema.Update();                                   // decay min(0.999, 1/10) = 0.1: 0.1·2 + 0.9·4
        using (Engine.NoGrad()) model.Weight.Fill_(0);
        ema.Update();                                   // decay 2/11: (2/11)·3.8 + (9/11)·0
        using var copy = new Nn.Linear(1, 1, hasBias: false);
        ema.CopyTo(copy);
        Assert.Equal(2.0 / 11 * 3.8, copy.Weight.Item(), 5);
        Assert.Equal(2, ema.Updates);

        using var restored = new Optim.ExponentialMovingAverage(model);
        var state = ema.StateDict();
        restored.LoadStateDict(state);
        foreach (var t in state.Values) t.Dispose();
        Assert.Equal(2, restored.Updates);
        using var copy2 = new Nn.Linear(1, 1, hasBias: false);
        restored.CopyTo(copy2);
        Assert.Equal(copy.Weight.Item(), copy2.Weight.Item());
    }
}
