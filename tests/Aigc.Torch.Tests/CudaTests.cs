using Aigc.Torch.Optim;
using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

public class CudaTests
{
    [CudaFact]
    public void Tensor_RoundTripsThroughGpu()
    {
        using var scope = DisposeScope.Enter();
        var x = T([1, 2, 3]).To(Device.Cuda());
        Assert.Equal(Device.Cuda(), x.Device);
        Close([2, 4, 6], (x * 2).To(Device.Cpu));
    }

    [CudaFact]
    public void Training_OnGpu_MatchesCpuClosely()
    {
        float[] Run(Device device)
        {
            Engine.ManualSeed(5);
            using var model = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 1));
            model.To(device);
            using var opt = new Adam(model.Parameters(), 1e-2);
            using var scope = DisposeScope.Enter();
            var x = Tensor.Randn(32, 8).To(device);
            var y = x.Sum(1, keepDim: true);
            for (int i = 0; i < 20; i++)
            {
                using var s = DisposeScope.Enter();
                opt.ZeroGrad();
                F.MseLoss(model.Forward(x), y).Backward();
                opt.Step();
            }
            return model.Parameters().SelectMany(p => p.To(Device.Cpu).ToArray<float>()).ToArray();
        }
        var cpu = Run(Device.Cpu);
        var gpu = Run(Device.Cuda());
        for (int i = 0; i < cpu.Length; i++) Assert.True(Math.Abs(cpu[i] - gpu[i]) < 1e-3, $"param {i}: {cpu[i]} vs {gpu[i]}");
    }

    [CudaFact]
    public void Autocast_RunsMatmulInBFloat16()
    {
        using var scope = DisposeScope.Enter();
        var a = Tensor.Randn([4, 4], device: Device.Cuda());
        using (Engine.Autocast(ScalarType.BFloat16))
            Assert.Equal(ScalarType.BFloat16, a.Matmul(a).DType);
        Assert.Equal(ScalarType.Float32, a.Matmul(a).DType);
    }

    [CudaFact]
    public void FusedAttention_MatchesManualOnGpu()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(1);
        var q = Tensor.Randn([1, 2, 8, 16], device: Device.Cuda());
        var scores = q.Matmul(q.Transpose(-2, -1)) / 4.0;
        var future = Tensor.Ones([8, 8], ScalarType.Bool, Device.Cuda()).Triu(1);
        var expected = scores.MaskedFill(future, double.NegativeInfinity).Softmax(-1).Matmul(q);
        Close(D(expected.To(Device.Cpu)), F.ScaledDotProductAttention(q, q, q, isCausal: true).To(Device.Cpu), 1e-4);
    }
}
