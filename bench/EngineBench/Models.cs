using Aigc.Torch;
using Aigc.Torch.Nn;

namespace EngineBench;

/// <summary>The benchmark models; bench/engine_bench.py builds the same ones in PyTorch.</summary>
internal static class Models
{
    /// <summary>784-512-512-784 autoencoder-style MLP trained with MSE against its input.</summary>
    public static Sequential Mlp() => new(new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(), new Linear(512, 784));

    /// <summary>Two 3x3 conv layers (1→32→64, each ReLU + 2x2 max-pool) and a linear classifier.</summary>
    public static Sequential Conv() => new(
        new Conv2d(1, 32, 3, padding: 1), new ReLU(), new MaxPool(),
        new Conv2d(32, 64, 3, padding: 1), new ReLU(), new MaxPool(),
        new Flatten(), new Linear(64 * 7 * 7, 10));

    /// <summary>Training FLOPs per image: forward multiply-adds ×2, and backward ≈ 2× forward.</summary>
    public static double TrainFlopsPerImage(string model) => 3 * model switch
    {
        "mlp" => 2.0 * (784 * 512 + 512 * 512 + 512 * 784),
        "conv" => 2.0 * (28 * 28 * 32 * 9 + 14 * 14 * 64 * 32 * 9 + 64 * 7 * 7 * 10),
        _ => throw new ArgumentException(model),
    };

    private sealed class MaxPool : Module<Tensor, Tensor>
    {
        public override Tensor Forward(Tensor input) => F.MaxPool2d(input, [2]);
    }
}
