using Microsoft.ML;
using Microsoft.ML.Data;
using System.Collections.Concurrent;
using Aigc.MLNet.ModelFiles;

namespace Aigc.MLNet;

/// <summary>Aigc.MLNet's model files on ML.NET's <c>mlContext.Model</c>. A file only names its
/// family; the code that rebuilds it is a loader registered in this process, so nothing in a file
/// is ever executed.</summary>
public static class ModelOperationsCatalogExtensions
{
    private static readonly ConcurrentDictionary<string, Func<ModelPackage, GenerativeCatalog, ITransformer>> s_loaders = new(StringComparer.Ordinal);

    // The built-in families; applications may add their own with RegisterGenerativeFamily.
    static ModelOperationsCatalogExtensions()
    {
        RegisterFamily(Vae.VaeTransformer.FamilyName, Vae.VaeTransformer.Load);
        RegisterFamily(Gan.GanTransformer.FamilyName, Gan.GanTransformer.Load);
        RegisterFamily(Classification.ImageClassifierTransformer.FamilyName, Classification.ImageClassifierTransformer.Load);
        RegisterFamily(LanguageModels.CausalLMTransformer.FamilyName, LanguageModels.CausalLMTransformer.Load);
        RegisterFamily(Diffusion.DiffusionTransformer.FamilyName, Diffusion.DiffusionTransformer.Load);
    }

    /// <summary>Registers how to rebuild models of <paramref name="family"/> (model families call this).</summary>
    public static void RegisterFamily(string family, Func<ModelPackage, GenerativeCatalog, ITransformer> loader)
    {
        ArgumentException.ThrowIfNullOrEmpty(family);
        ArgumentNullException.ThrowIfNull(loader);
        s_loaders[family] = loader;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> as an <c>.aigc</c> model file, atomically.</summary>
    public static void SaveGenerative(this ModelOperationsCatalog catalog, ISavableModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        var c = model.GetContents();
        var manifest = new ModelManifest
        {
            Family = model.Family,
            Options = c.Options,
            InputSchema = ColumnInfo.From(c.InputSchema),
            OutputSchema = ColumnInfo.From(c.OutputSchema),
            Training = c.Training,
        };
        ModelFile.Save(path, manifest, c.Weights, c.Files);
    }

    /// <summary>Loads an <c>.aigc</c> model file and rebuilds its transformer on <paramref name="device"/>
    /// (null: CUDA when usable, else the CPU).</summary>
    /// <exception cref="ModelFileException">The file is invalid or its family has no registered loader.</exception>
    public static ITransformer LoadGenerative(this ModelOperationsCatalog catalog, string path, Torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Load(new MLContext().Generative(new GenerativeOptions { Device = device }), path);
    }

    /// <summary>Loads an <c>.aigc</c> model file onto the device of <paramref name="generative"/>.</summary>
    /// <exception cref="ModelFileException">The file is invalid or its family has no registered loader.</exception>
    public static ITransformer LoadGenerative(this ModelOperationsCatalog catalog, string path, GenerativeCatalog generative)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(generative);
        return Load(generative, path);
    }

    private static ITransformer Load(GenerativeCatalog generative, string path)
    {
        using var package = ModelFile.Load(path);
        if (!s_loaders.TryGetValue(package.Manifest.Family, out var loader))
            throw new ModelFileException(path, $"model family '{package.Manifest.Family}' is not known to this application (known: {string.Join(", ", s_loaders.Keys.Order())})");
        try
        {
            return loader(package, generative);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or System.Text.Json.JsonException or Torch.TorchException or OverflowException)
        {
            throw new ModelFileException(path, $"the '{package.Manifest.Family}' model cannot be rebuilt from this file: {e.Message}", e);
        }
    }

    /// <summary>Reads only the manifest of an <c>.aigc</c> file (what the model is, its options, schema, training summary).</summary>
    public static ModelManifest InspectGenerative(this ModelOperationsCatalog catalog, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        using var package = ModelFile.Load(path);
        return package.Manifest;
    }

    /// <summary>A thread-safe pool of ML.NET prediction engines over <paramref name="transformer"/>
    /// (Microsoft.Extensions.ML's pool is not available here).</summary>
    public static PredictionEnginePool<TSrc, TDst> CreatePredictionEnginePool<TSrc, TDst>(this ModelOperationsCatalog catalog, ITransformer transformer)
        where TSrc : class where TDst : class, new()
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(transformer);
        return new PredictionEnginePool<TSrc, TDst>(() => catalog.CreatePredictionEngine<TSrc, TDst>(transformer));
    }
}
