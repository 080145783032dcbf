using Aigc.MLNet.Data;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Vae;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

/// <summary>Both families on 32x32 RGB images (synthetic colour blobs) — the other size and channel
/// count the issue names.</summary>
public class RgbImageTests
{
    private static IDataView Blobs(int count, bool minusOneToOne)
    {
        var rand = new Random(5);
        var images = new float[count][];
        var labels = new long[count];
        for (int n = 0; n < count; n++)
        {
            int cx = rand.Next(8, 24), cy = rand.Next(8, 24), colour = rand.Next(3);
            var img = new float[3 * 32 * 32];
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < 36) img[colour * 1024 + y * 32 + x] = 1;
            images[n] = minusOneToOne ? img.Select(v => v * 2 - 1).ToArray() : img;
            labels[n] = colour;
        }
        return TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 3, 32, 32), images), ("Label", NumberDataViewType.Int64, labels)]);
    }

    [Theory]
    [InlineData(VaeArchitecture.Mlp)]
    [InlineData(VaeArchitecture.Conv)]
    public void Vae_TrainsOnRgb32_WithMseLoss(VaeArchitecture architecture)
    {
        var ctx = Cpu.Context(1);
        var data = Blobs(256, minusOneToOne: false);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano with { Architecture = architecture, Loss = ReconstructionLoss.MeanSquaredError, Epochs = 3 }).Fit(data);
        Assert.Equal((3, 32, 32), vae.ImageShape);
        using var scope = DisposeScope.Enter();
        Assert.Equal([4L, 3, 32, 32], vae.Sample(4, seed: 1).Shape);
        Assert.Contains("(N, 3, 32, 32)", Assert.Throws<ArgumentException>(() => vae.Reconstruct(Tensor.Zeros(1, 1, 32, 32))).Message);
        var (elbo, rec, kl) = vae.EvaluateNegativeElbo(data);
        Assert.True(double.IsFinite(elbo) && rec >= 0 && kl >= 0);
    }

    [Fact]
    public void ConditionalGan_TrainsOnRgb32()
    {
        var ctx = Cpu.Context(2);
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano with { LabelColumn = "Label", NumClasses = 3, Epochs = 2 }).Fit(Blobs(256, minusOneToOne: true));
        Assert.Equal((3, 32, 32), gan.ImageShape);
        using var scope = DisposeScope.Enter();
        var images = gan.Generate(3, seed: 1, labels: [0, 1, 2]);
        Assert.Equal([3L, 3, 32, 32], images.Shape);
        Assert.Contains("outside [0, 3)", Assert.Throws<ArgumentOutOfRangeException>(() => gan.Generate(1, seed: 1, labels: [3])).Message);
    }
}
