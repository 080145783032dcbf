using Aigc.Torch.Optim;

namespace Aigc.Torch.Tests;

public class DeterminismTests
{
    private static float[] Train(ulong seed)
    {
        Engine.ManualSeed(seed);
        using var model = new Sequential(new Conv2d(1, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(),
            new Flatten(), new Dropout(0.2), new Linear(4 * 8 * 8, 3));
        using var opt = new Adam(model.Parameters(), 1e-2);
        for (int i = 0; i < 20; i++)
        {
            using var scope = DisposeScope.Enter();
            var x = Tensor.Randn(8, 1, 8, 8);
            var y = Tensor.RandInt(0, 3, [8]);
            opt.ZeroGrad();
            F.CrossEntropy(model.Forward(x), y).Backward();
            opt.Step();
        }
        return model.Parameters().SelectMany(p => p.ToArray<float>()).ToArray();
    }

    [Fact]
    public void SameSeed_GivesBitIdenticalTrainingOnCpu()
    {
        var a = Train(123);
        var b = Train(123);
        Assert.Equal(a, b);
        Assert.NotEqual(a, Train(124));
    }

    [Fact]
    public void RngState_RestoresTheRandomStream()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(5);
        Tensor.Randn(10);
        var state = Engine.GetRngState();
        var first = Tensor.Randn(20).ToArray<float>();
        Tensor.Randn(7);
        Engine.SetRngState(state);
        Assert.Equal(first, Tensor.Randn(20).ToArray<float>());
        Assert.Throws<TorchException>(() => Engine.SetRngState(Tensor.Zeros([3], ScalarType.UInt8)));
    }
}
