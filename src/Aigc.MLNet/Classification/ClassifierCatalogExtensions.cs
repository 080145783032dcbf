using Aigc.MLNet.Classification;

namespace Aigc.MLNet;

/// <summary><c>mlContext.Generative().Trainers.ImageClassifier(...)</c>.</summary>
public static class ClassifierCatalogExtensions
{
    /// <summary>The small image classifier whose features the generation metrics use, with the given options.</summary>
    public static ImageClassifierTrainer ImageClassifier(this GenerativeCatalog.GenerativeTrainers trainers, ImageClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(trainers);
        ArgumentNullException.ThrowIfNull(options);
        return new ImageClassifierTrainer(trainers.Catalog, options);
    }

    /// <summary>The small image classifier with flat defaults (10 classes, 3 epochs, batch 128).</summary>
    public static ImageClassifierTrainer ImageClassifier(this GenerativeCatalog.GenerativeTrainers trainers, string inputColumn = "Image",
        string labelColumn = "Label", int numClasses = 10, int epochs = 3, int batchSize = 128) =>
        trainers.ImageClassifier(new ImageClassifierOptions { InputColumn = inputColumn, LabelColumn = labelColumn, NumClasses = numClasses, Epochs = epochs, BatchSize = batchSize });
}
