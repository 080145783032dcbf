using Aigc.Torch;
using Aigc.Torch.Nn;

namespace EngineVae;

/// <summary>The PyTorch-examples VAE: 784 → 400 → (μ, log σ²) ∈ ℝ²⁰ → 400 → 784, written on the engine.
/// State keys (fc1, fc21, fc22, fc3, fc4) match the PyTorch example, so weights map across.</summary>
public sealed class Vae : Module<Tensor, (Tensor Reconstruction, Tensor Mu, Tensor LogVar)>
{
    private readonly Linear fc1 = new(784, 400);
    private readonly Linear fc21 = new(400, 20);
    private readonly Linear fc22 = new(400, 20);
    private readonly Linear fc3 = new(20, 400);
    private readonly Linear fc4 = new(400, 784);

    public const int LatentDim = 20;

    public (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        var h = fc1.Forward(x).Relu();                 // (B, 400)
        return (fc21.Forward(h), fc22.Forward(h));     // (B, 20) each
    }

    public Tensor Decode(Tensor z) => fc4.Forward(fc3.Forward(z).Relu()).Sigmoid(); // (B, 784) in [0, 1]

    public override (Tensor Reconstruction, Tensor Mu, Tensor LogVar) Forward(Tensor x)
    {
        var (mu, logVar) = Encode(x);
        // Reparameterisation: z = μ + σ·ε keeps the sample differentiable in μ and σ.
        var z = Training ? mu + (logVar * 0.5).Exp() * Tensor.Randn(mu.Shape) : mu;
        return (Decode(z), mu, logVar);
    }

    /// <summary>Negative ELBO summed over the batch: BCE(x̂, x) + KL(q(z|x) ‖ N(0, I)),
    /// KL = -½ Σ (1 + log σ² - μ² - σ²).</summary>
    public static Tensor Loss(Tensor reconstruction, Tensor x, Tensor mu, Tensor logVar)
    {
        var bce = F.BinaryCrossEntropy(reconstruction, x, reduction: Reduction.Sum);
        var kld = (1 + logVar - mu.Square() - logVar.Exp()).Sum() * -0.5;
        return bce + kld;
    }
}
