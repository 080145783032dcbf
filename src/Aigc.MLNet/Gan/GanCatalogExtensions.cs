using Aigc.MLNet.Gan;

namespace Aigc.MLNet;

/// <summary><c>mlContext.Generative().Trainers.Gan(...)</c>.</summary>
public static class GanCatalogExtensions
{
    /// <summary>A DCGAN trainer with the given options (see <see cref="GanOptions"/> for presets).</summary>
    public static GanTrainer Gan(this GenerativeCatalog.GenerativeTrainers trainers, GanOptions options)
    {
        ArgumentNullException.ThrowIfNull(trainers);
        return new GanTrainer(trainers.Catalog, options);
    }

    /// <summary>A DCGAN trainer with flat defaults; give <paramref name="labelColumn"/> for a class-conditional GAN.</summary>
    public static GanTrainer Gan(this GenerativeCatalog.GenerativeTrainers trainers, string inputColumn = "Image", string? labelColumn = null,
        int epochs = 5, int batchSize = 128, int latentDim = 64) =>
        trainers.Gan(new GanOptions { InputColumn = inputColumn, LabelColumn = labelColumn, Epochs = epochs, BatchSize = batchSize, LatentDim = latentDim });
}
