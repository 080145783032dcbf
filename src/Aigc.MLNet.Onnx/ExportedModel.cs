namespace Aigc.MLNet.Onnx;

/// <summary>What a folder written by <c>ExportToOnnx</c> (or <c>aigc export</c>) holds.</summary>
public static class ExportedModel
{
    private static readonly (string Family, string File)[] Markers =
    [
        ("vae", OnnxContract.Files.VaeDecoder),
        ("gan", OnnxContract.Files.GanGenerator),
        ("diffusion", OnnxContract.Files.Denoiser),
        ("image-classifier", OnnxContract.Files.Classifier),
        ("causal-lm", OnnxContract.LanguageModel.Manifest),
    ];

    /// <summary>The family of the model exported to <paramref name="directory"/> — "vae", "gan",
    /// "diffusion", "image-classifier" or "causal-lm", as in <c>.aigc</c> model files — from the files it holds;
    /// null when it holds none of them. The files themselves are checked when opened.</summary>
    /// <exception cref="InvalidDataException">The folder holds the exports of more than one model, so
    /// which one is meant cannot be told.</exception>
    public static string? Family(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var found = Markers.Where(m => File.Exists(Path.Combine(directory, m.File))).Select(m => m.Family).ToList();
        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw new InvalidDataException($"'{directory}' holds the exports of several models ({string.Join(", ", found)}); export each model into a folder of its own."),
        };
    }
}
