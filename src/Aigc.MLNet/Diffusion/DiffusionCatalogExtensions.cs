using Aigc.MLNet.Diffusion;

namespace Aigc.MLNet;

/// <summary><c>mlContext.Generative().Trainers.Diffusion(...)</c>.</summary>
public static class DiffusionCatalogExtensions
{
    /// <summary>A diffusion trainer with the given options (see <see cref="DiffusionOptions"/> for presets).</summary>
    public static DiffusionTrainer Diffusion(this GenerativeCatalog.GenerativeTrainers trainers, DiffusionOptions options)
    {
        ArgumentNullException.ThrowIfNull(trainers);
        return new DiffusionTrainer(trainers.Catalog, options);
    }

    /// <summary>A diffusion trainer with flat defaults: the CPU-sized U-Net, T = 1000, linear schedule.</summary>
    public static DiffusionTrainer Diffusion(this GenerativeCatalog.GenerativeTrainers trainers, string inputColumn = "Image", string? labelColumn = null,
        int epochs = 5, int batchSize = 128) =>
        trainers.Diffusion(new DiffusionOptions { InputColumn = inputColumn, LabelColumn = labelColumn, Epochs = epochs, BatchSize = batchSize });
}
