using Aigc.MLNet.Vae;

namespace Aigc.MLNet;

/// <summary><c>mlContext.Generative().Trainers.Vae(...)</c>.</summary>
public static class VaeCatalogExtensions
{
    /// <summary>A VAE trainer with the given options (see <see cref="VaeOptions"/> for presets).</summary>
    public static VaeTrainer Vae(this GenerativeCatalog.GenerativeTrainers trainers, VaeOptions options)
    {
        ArgumentNullException.ThrowIfNull(trainers);
        return new VaeTrainer(trainers.Catalog, options);
    }

    /// <summary>A VAE trainer with flat defaults: the PyTorch example's MLP VAE.</summary>
    public static VaeTrainer Vae(this GenerativeCatalog.GenerativeTrainers trainers, string inputColumn = "Image", int latentDim = 20,
        int epochs = 10, int batchSize = 128, VaeArchitecture architecture = VaeArchitecture.Mlp) =>
        trainers.Vae(new VaeOptions { InputColumn = inputColumn, LatentDim = latentDim, Epochs = epochs, BatchSize = batchSize, Architecture = architecture });
}
