using Microsoft.ML;
using Microsoft.ML.Data;
using System.Collections.Concurrent;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Pipeline;

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
        RegisterFamily(Transforms.PixelScalingTransformer.FamilyName, Transforms.PixelScalingTransformer.Load);
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
        SaveFile(model, path);
    }

    /// <summary>Writes a whole ML.NET pipeline that holds Aigc.MLNet models (a <c>TransformerChain</c>
    /// from <c>pipeline.Fit</c>, with ML.NET's transforms and trainers around ours) to one ML.NET model
    /// zip, atomically. Load it with <see cref="LoadGenerative(ModelOperationsCatalog, string, out DataViewSchema, GenerativeCatalog?)"/>.</summary>
    /// <param name="catalog">ML.NET's model catalog.</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">The schema of the data the pipeline reads (saved with it, as ML.NET does).</param>
    /// <param name="path">The file to write.</param>
    public static void SaveGenerative(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrEmpty(path);
        PipelineFile.Save(model, inputSchema, path);
    }

    internal static void SaveFile(ISavableModel model, string path)
    {
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

    /// <summary>Loads an <c>.aigc</c> model file, or an ML.NET pipeline zip written by
    /// <c>SaveGenerative(model, inputSchema, path)</c>, and rebuilds our models on <paramref name="device"/>
    /// (null: CUDA when usable, else the CPU).</summary>
    /// <exception cref="ModelFileException">The file is invalid or a family has no registered loader.</exception>
    public static ITransformer LoadGenerative(this ModelOperationsCatalog catalog, string path, Torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return LoadAny(path, new MLContext().Generative(new GenerativeOptions { Device = device }), out _);
    }

    /// <summary>Loads an <c>.aigc</c> model file or a pipeline zip onto the device of <paramref name="generative"/>.</summary>
    /// <exception cref="ModelFileException">The file is invalid or a family has no registered loader.</exception>
    public static ITransformer LoadGenerative(this ModelOperationsCatalog catalog, string path, GenerativeCatalog generative)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(generative);
        return LoadAny(path, generative, out _);
    }

    /// <summary>Loads a pipeline zip written by <c>SaveGenerative(model, inputSchema, path)</c> and gives
    /// the input schema saved with it (an <c>.aigc</c> file loads too, with an empty schema).</summary>
    /// <exception cref="ModelFileException">The file is invalid or a family has no registered loader.</exception>
    public static ITransformer LoadGenerative(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema,
        GenerativeCatalog? generative = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return LoadAny(path, generative ?? new MLContext().Generative(), out inputSchema);
    }

    private static ITransformer LoadAny(string path, GenerativeCatalog generative, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        bool pipeline;
        try
        {
            pipeline = PipelineFile.IsPipeline(path);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException(path, "not a valid model file (zip): " + e.Message, e);
        }
        if (pipeline) return PipelineFile.Load(path, generative, out inputSchema);
        var model = LoadFile(generative, path);
        inputSchema = new DataViewSchema.Builder().ToSchema(); // an .aigc file holds one model, not an ML.NET schema
        return model;
    }

    internal static ITransformer LoadFile(GenerativeCatalog generative, string path)
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

    /// <summary>Writes the inference graphs of a trained model as ONNX files (opset 17) into
    /// <paramref name="directory"/>, for ONNX Runtime, ML.NET's <c>ApplyOnnxModel</c> and the slim
    /// Aigc.MLNet.Onnx package, none of which needs libtorch. A VAE writes decoder.onnx and
    /// encoder.onnx; a GAN generator.onnx; a diffusion model denoiser.onnx (its noise schedule in the
    /// metadata); an image classifier classifier.onnx; a GPT model.onnx with past key/values and
    /// genai_config.json for ONNX Runtime GenAI; an LSTM model.onnx with its state as inputs and
    /// outputs (language models add their tokenizer files). A fitted pipeline exports the one
    /// generative model it holds. Each file is written atomically.</summary>
    /// <returns>The paths written.</returns>
    /// <exception cref="ArgumentException">The model has no ONNX export.</exception>
    public static IReadOnlyList<string> ExportToOnnx(this ModelOperationsCatalog catalog, ITransformer model, string directory)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Onnx.OnnxExport.Export(model, directory);
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
