using System.Collections.Concurrent;
using Aigc.MLNet.ModelFiles;

namespace Aigc.MLNet;

/// <summary>Saving and loading models (ML.NET's <c>mlContext.Model</c>). A file only names its
/// family; the code that rebuilds it is a loader registered in this process, so nothing in a file
/// is ever executed.</summary>
public sealed class ModelCatalog
{
    private static readonly ConcurrentDictionary<string, Func<ModelPackage, AigcContext, ITransformer>> s_loaders = new(StringComparer.Ordinal);
    private readonly AigcContext _context;

    // The built-in families; applications may add their own with RegisterFamily.
    static ModelCatalog()
    {
        RegisterFamily(Vae.VaeTransformer.FamilyName, Vae.VaeTransformer.Load);
        RegisterFamily(Gan.GanTransformer.FamilyName, Gan.GanTransformer.Load);
        RegisterFamily(Classification.ImageClassifierTransformer.FamilyName, Classification.ImageClassifierTransformer.Load);
        RegisterFamily(LanguageModels.CausalLMTransformer.FamilyName, LanguageModels.CausalLMTransformer.Load);
        RegisterFamily(Diffusion.DiffusionTransformer.FamilyName, Diffusion.DiffusionTransformer.Load);
    }

    internal ModelCatalog(AigcContext context) => _context = context;

    /// <summary>Registers how to rebuild models of <paramref name="family"/> (model families call this).</summary>
    public static void RegisterFamily(string family, Func<ModelPackage, AigcContext, ITransformer> loader)
    {
        ArgumentException.ThrowIfNullOrEmpty(family);
        ArgumentNullException.ThrowIfNull(loader);
        s_loaders[family] = loader;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically.</summary>
    public void Save(ISavableModel model, string path)
    {
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

    /// <summary>Loads a model file and rebuilds its transformer on this context's device.</summary>
    /// <exception cref="ModelFileException">The file is invalid or its family has no registered loader.</exception>
    public ITransformer Load(string path)
    {
        using var package = ModelFile.Load(path);
        if (!s_loaders.TryGetValue(package.Manifest.Family, out var loader))
            throw new ModelFileException(path, $"model family '{package.Manifest.Family}' is not known to this application (known: {string.Join(", ", s_loaders.Keys.Order())})");
        try
        {
            return loader(package, _context);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or System.Text.Json.JsonException or Torch.TorchException or OverflowException)
        {
            throw new ModelFileException(path, $"the '{package.Manifest.Family}' model cannot be rebuilt from this file: {e.Message}", e);
        }
    }

    /// <summary>Reads only the manifest (what the model is, its options, schema, training summary).</summary>
    public ModelManifest Inspect(string path)
    {
        using var package = ModelFile.Load(path);
        return package.Manifest;
    }

    /// <summary>A single-row engine over <paramref name="transformer"/> (not thread-safe; see
    /// <see cref="CreatePredictionEnginePool{TSrc, TDst}"/>).</summary>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer)
        where TSrc : class where TDst : class, new() => new(_context, transformer);

    /// <summary>A thread-safe pool of single-row engines over <paramref name="transformer"/>.</summary>
    public PredictionEnginePool<TSrc, TDst> CreatePredictionEnginePool<TSrc, TDst>(ITransformer transformer)
        where TSrc : class where TDst : class, new() => new(_context, transformer);
}
