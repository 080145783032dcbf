using System.IO.Compression;
using Aigc.MLNet.ModelFiles;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Aigc.MLNet.Pipeline;

/// <summary>
/// Whole ML.NET pipelines that hold our models, in ML.NET's own zip. ML.NET's component save API is
/// internal, so each of our transformers saves a CustomMapping stub in its place (contract
/// <see cref="StubContract"/>), and the models themselves go beside ML.NET's entries as
/// <c>Aigc.MLNet/N.aigc</c>, in the chain's order. Loading lets ML.NET rebuild the chain, then swaps
/// each stub for the model file of the same position. A plain <c>mlContext.Model.Load</c> of such a
/// file fails when it meets a stub, with a message naming the right call.
/// </summary>
/// <remarks>
/// Layout: ML.NET's entries (<c>TransformerChain/…</c>, <c>Schema</c>, <c>TrainingInfo/…</c>) plus
/// <c>Aigc.MLNet/0.aigc</c>, <c>Aigc.MLNet/1.aigc</c>, … — complete <c>.aigc</c> model files
/// (docs/model-format.md), one per Aigc.MLNet transformer in depth-first chain order.
/// </remarks>
internal static class PipelineFile
{
    /// <summary>The contract name of the stubs; ML.NET's own error for an unknown contract shows it.</summary>
    public const string StubContract = "Aigc.MLNet model: load this file with mlContext.Model.LoadGenerative(path) (using Aigc.MLNet)";

    private const string EntryPrefix = "Aigc.MLNet/";

    [ThreadStatic]
    private static bool t_saving;

    [ThreadStatic]
    private static bool t_loading;

    /// <summary>True while <see cref="Save"/> runs on this thread: our transformers then save stubs.</summary>
    public static bool Saving => t_saving;

    /// <summary>True while <see cref="Load"/> runs on this thread: stubs then load as placeholders.</summary>
    public static bool Loading => t_loading;

    /// <summary>True when <paramref name="path"/> is an ML.NET model zip (not an .aigc file).</summary>
    public static bool IsPipeline(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.GetEntry("manifest.json") is null && zip.Entries.Any(e => e.FullName.StartsWith("TransformerChain/", StringComparison.Ordinal) || e.FullName == "Schema");
    }

    /// <summary>The stub saved in place of one of our transformers.</summary>
    public static ITransformer Stub()
    {
        var ml = new MLContext(seed: 0);
        return ml.Transforms.CustomMapping<StubRow, StubRow>((_, _) => { }, StubContract)
            .Fit(ml.Data.LoadFromEnumerable(Array.Empty<StubRow>()));
    }

    /// <summary>Saves <paramref name="model"/> (any ML.NET transformer, chains included) with the
    /// input schema, atomically.</summary>
    public static void Save(ITransformer model, DataViewSchema inputSchema, string path)
    {
        var ours = Flatten(model).OfType<BatchedTransformer>().ToList(); // each saves one stub, in this order
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Cannot save {path}: the folder {folder} does not exist.");
        var tmp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            t_saving = true;
            try
            {
                new MLContext(seed: 0).Model.Save(model, inputSchema, tmp);
            }
            finally
            {
                t_saving = false;
            }
            using (var zip = ZipFile.Open(tmp, ZipArchiveMode.Update))
                for (int i = 0; i < ours.Count; i++)
                {
                    var part = tmp + $".{i}.aigc";
                    try
                    {
                        ModelOperationsCatalogExtensions.SaveFile(ours[i], part);
                        zip.CreateEntryFromFile(part, $"{EntryPrefix}{i}.aigc", CompressionLevel.NoCompression);
                    }
                    finally
                    {
                        File.Delete(part);
                    }
                }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Loads a pipeline saved by <see cref="Save"/>, our models on <paramref name="generative"/>'s device.</summary>
    public static ITransformer Load(string path, GenerativeCatalog generative, out DataViewSchema inputSchema)
    {
        ITransformer chain;
        t_loading = true;
        try
        {
            chain = new MLContext(seed: 0).Model.Load(path, out inputSchema);
        }
        finally
        {
            t_loading = false;
        }
        var work = Directory.CreateTempSubdirectory("aigc-pipeline-").FullName;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            int next = 0;
            return Replace(chain, () =>
            {
                var entry = zip.GetEntry($"{EntryPrefix}{next}.aigc")
                    ?? throw new ModelFileException(path, $"entry '{EntryPrefix}{next}.aigc' is missing: the pipeline holds more Aigc.MLNet models than the file carries");
                var part = Path.Combine(work, $"{next++}.aigc");
                entry.ExtractToFile(part);
                return ModelOperationsCatalogExtensions.LoadFile(generative, part);
            });
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [model];

    private static ITransformer Replace(ITransformer model, Func<ITransformer> nextModel)
    {
        if (model is IEnumerable<ITransformer> chain)
            return new TransformerChain<ITransformer>(chain.Select(t => Replace(t, nextModel)).ToArray());
        return model.GetType().IsGenericType && model.GetType().GetGenericTypeDefinition() == typeof(CustomMappingTransformer<,>)
            && model.GetType().GetGenericArguments()[0] == typeof(StubRow) ? nextModel() : model;
    }

    /// <summary>The stub's row type: no columns in, none out.</summary>
    public sealed class StubRow
    {
    }

    /// <summary>What ML.NET calls when it loads a stub: a no-op inside <see cref="Load"/>, else the
    /// error that names the right call.</summary>
    [CustomMappingFactoryAttribute(StubContract)]
    public sealed class StubFactory : CustomMappingFactory<StubRow, StubRow>
    {
        /// <inheritdoc />
        public override Action<StubRow, StubRow> GetMapping() => Loading ? (_, _) => { }
            : throw new InvalidOperationException(
                "This ML.NET model holds Aigc.MLNet generative models, which ML.NET's own loader cannot rebuild. Load it with mlContext.Model.LoadGenerative(path) (using Aigc.MLNet).");
    }
}
