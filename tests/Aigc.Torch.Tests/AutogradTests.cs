using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

public class AutogradTests
{
    [Fact]
    public void Backward_AccumulatesUntilZeroed()
    {
        using var scope = DisposeScope.Enter();
        var x = T([1, 2, 3]).RequiresGrad_();
        Assert.Null(x.Grad);
        (x * x).Sum().Backward();
        Close([2, 4, 6], x.Grad!);
        (x * 3).Sum().Backward();
        Close([5, 7, 9], x.Grad!);
        using (var p = new Parameter(T([1.0])))
        {
            (p * 2).Sum().Backward();
            Optim.Optimizer.ZeroGradients([p], setToNone: false);
            Close([0], p.Grad!);
            Optim.Optimizer.ZeroGradients([p], setToNone: true);
            Assert.Null(p.Grad);
        }
    }

    [Fact]
    public void Backward_WithGradientArgument_ForNonScalarOutput()
    {
        using var scope = DisposeScope.Enter();
        var x = T([1, 2]).RequiresGrad_();
        var y = x * x;
        var e = Assert.Throws<TorchException>(() => y.Backward());
        Assert.Contains("scalar outputs", e.Message);
        y.Backward(T([1, 10]));
        Close([2, 40], x.Grad!);
    }

    [Fact]
    public void RetainGraph_AllowsSecondBackward()
    {
        using var scope = DisposeScope.Enter();
        var x = T([3]).RequiresGrad_();
        var y = (x.Exp() * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        Close([2 * 4 * Math.Exp(3)], x.Grad!, 1e-9);
    }

    [Fact]
    public void DetachAndNoGrad_StopRecording()
    {
        using var scope = DisposeScope.Enter();
        var x = T([2]).RequiresGrad_();
        Assert.False(x.Detach().RequiresGrad);
        Assert.True(Engine.IsGradEnabled);
        using (Engine.NoGrad())
        {
            Assert.False(Engine.IsGradEnabled);
            Assert.False((x * 2).RequiresGrad);
            using (Engine.EnableGrad()) Assert.True((x * 2).RequiresGrad);
        }
        Assert.True(Engine.IsGradEnabled);
        Assert.True((x * 2).RequiresGrad);
    }

    [Fact]
    public void InferenceMode_ProducesTensorsWithoutGrad()
    {
        using var scope = DisposeScope.Enter();
        var x = T([2]).RequiresGrad_();
        Tensor y;
        using (Engine.InferenceMode()) y = x * 2;
        Assert.False(y.RequiresGrad);
        Close([4], y);
    }

    [Fact]
    public void CreateGraph_GivesSecondDerivative()
    {
        using var scope = DisposeScope.Enter();
        var x = T([2]).RequiresGrad_();
        x.Pow(3).Sum().Backward(createGraph: true);
        var first = x.Grad!; // 3x² = 12, itself differentiable
        Assert.True(first.RequiresGrad);
        Close([12], first);
        first.Sum().Backward(); // accumulates d(3x²)/dx = 6x = 12 into x.grad
        Close([24], x.Grad!);
    }
}
