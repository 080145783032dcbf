using Aigc.Torch.Optim;

namespace Aigc.Torch.Tests;

public class LifetimeTests
{
    // Tensors leaked by earlier tests are finalized now, not in the middle of a count.
    public LifetimeTests()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [Fact]
    public void DisposeScope_FreesEverythingCreatedInside()
    {
        long before = Tensor.LiveCount;
        Tensor kept;
        using (var scope = DisposeScope.Enter())
        {
            var a = Tensor.Ones(3);
            var b = a * 2 + 1;
            var (values, _) = b.TopK(2);
            kept = values.DetachFromDisposeScope();
            Assert.True(Tensor.LiveCount > before + 3);
            Assert.True(scope.Count >= 4);
        }
        Assert.Equal(before + 1, Tensor.LiveCount);
        Assert.False(kept.IsDisposed);
        kept.Dispose();
        Assert.Equal(before, Tensor.LiveCount);
    }

    [Fact]
    public void MoveToOuterScope_HandsTensorToEnclosingScope()
    {
        long before = Tensor.LiveCount;
        using (var outer = DisposeScope.Enter())
        {
            Tensor result;
            using (DisposeScope.Enter())
            {
                result = (Tensor.Ones(2) * 3).MoveToOuterScope();
            }
            Assert.False(result.IsDisposed);
            Assert.Equal(6, result.Sum().Item());
        }
        Assert.Equal(before, Tensor.LiveCount);
    }

    [Fact]
    public void TrainingSteps_LeaveLiveCountUnchanged()
    {
        Engine.ManualSeed(0);
        using var model = new Sequential(new Linear(16, 32), new ReLU(), new Linear(32, 16));
        using var opt = new Adam(model.Parameters());
        void Step()
        {
            using var scope = DisposeScope.Enter();
            var x = Tensor.Randn(8, 16);
            opt.ZeroGrad();
            var loss = F.MseLoss(model.Forward(x), x);
            loss.Backward();
            GradClip.ClipGradNorm(model.Parameters(), 1.0);
            opt.Step();
        }
        Step(); // the first step creates gradients that then persist
        long after1 = Tensor.LiveCount;
        for (int i = 0; i < 200; i++) Step();
        Assert.Equal(after1, Tensor.LiveCount);
    }

    [Fact]
    public void ModuleDispose_FreesParametersAndBuffers()
    {
        long before = Tensor.LiveCount;
        var m = new Sequential(new Linear(4, 4), new BatchNorm1d(4));
        Assert.Equal(before + 7, Tensor.LiveCount); // 2 + 2 parameters, 3 buffers
        m.Dispose();
        m.Dispose();
        Assert.Equal(before, Tensor.LiveCount);
    }

    [Fact]
    public void Scope_MustBeDisposedOnItsOwnThread()
    {
        var scope = DisposeScope.Enter();
        Exception? e = null;
        var other = new Thread(() => e = Record.Exception(scope.Dispose));
        other.Start();
        other.Join();
        Assert.IsType<InvalidOperationException>(e);
        scope.Dispose();
        Assert.Null(DisposeScope.Current);
    }
}
