using Aigc.MLNet.Classification;

namespace Aigc.MLNet;

/// <summary><c>ctx.Generative.Trainers.ImageClassifier(...)</c>.</summary>
public static class ClassifierCatalogExtensions
{
    /// <summary>The small image classifier whose features the generation metrics use.</summary>
    public static ImageClassifierTrainer ImageClassifier(this GenerativeCatalog.GenerativeTrainers trainers, ImageClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trainers);
        return new ImageClassifierTrainer(trainers.Catalog, options ?? new ImageClassifierOptions());
    }
}
