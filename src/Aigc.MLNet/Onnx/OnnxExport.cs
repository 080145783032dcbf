using System.Globalization;
using Aigc.MLNet.Imaging;
using Aigc.Torch;
using Aigc.Torch.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Onnx;

/// <summary>Finds the model to export in what the user passes and builds the metadata every
/// exported file carries (<see cref="OnnxContract"/>).</summary>
internal static class OnnxExport
{
    public static IReadOnlyList<string> Export(ITransformer model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var exportable = Find(model);
        Directory.CreateDirectory(directory);
        using var noGrad = Engine.NoGrad();
        return exportable.ExportOnnx(directory);
    }

    // A fitted pipeline exports its one generative stage; ML.NET's own stages (loading, scaling) stay
    // with the application, as ApplyOnnxModel expects.
    private static IOnnxExportable Find(ITransformer model)
    {
        if (model is IOnnxExportable direct) return direct;
        if (model is IEnumerable<ITransformer> chain)
        {
            var stages = chain.OfType<IOnnxExportable>().ToList();
            if (stages.Count == 1) return stages[0];
            if (stages.Count > 1)
                throw new ArgumentException($"The pipeline holds {stages.Count} exportable models ({string.Join(", ", stages.Select(s => s.GetType().Name))}); export each one on its own.", nameof(model));
        }
        throw new ArgumentException($"{model.GetType().Name} cannot be exported to ONNX: pass a trained VAE, GAN, diffusion model, image classifier or language model, or a pipeline holding one.", nameof(model));
    }

    /// <summary>The metadata of an image family's graph.</summary>
    public static Dictionary<string, string> ImageMetadata(string family, string graph, (int C, int H, int W) shape, PixelRange range) => new()
    {
        [OnnxContract.Keys.Format] = OnnxContract.FormatVersion,
        [OnnxContract.Keys.Family] = family,
        [OnnxContract.Keys.Graph] = graph,
        [OnnxContract.Keys.Channels] = Text(shape.C),
        [OnnxContract.Keys.Height] = Text(shape.H),
        [OnnxContract.Keys.Width] = Text(shape.W),
        [OnnxContract.Keys.PixelRange] = range == PixelRange.ZeroToOne ? OnnxContract.ZeroToOne : OnnxContract.MinusOneToOne,
    };

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The (batch, C, H, W) shape of an image input or output.</summary>
    public static OnnxDim[] ImageDims((int C, int H, int W) s) => ["batch", s.C, s.H, s.W];

    /// <summary>Saves <paramref name="graph"/> as <paramref name="file"/> in <paramref name="directory"/>.</summary>
    public static string Save(OnnxGraph graph, string directory, string file, string doc, Dictionary<string, string> metadata)
    {
        var path = Path.Combine(directory, file);
        graph.Save(path, doc, metadata);
        return path;
    }
}
