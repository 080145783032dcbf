namespace Aigc.MLNet.Onnx;

/// <summary>What a folder written by <c>ExportToOnnx</c> (or <c>aigc export</c>) holds.</summary>
public static class ExportedModel
{
    /// <summary>The family of the model exported to <paramref name="directory"/> — "vae", "gan",
    /// "diffusion", "image-classifier" or "causal-lm", as in <c>.aigc</c> model files — from the files it holds;
    /// null when it holds none of them. The files themselves are checked when opened.</summary>
    public static string? Family(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        bool Has(string file) => File.Exists(Path.Combine(directory, file));
        if (Has(OnnxContract.Files.VaeDecoder)) return "vae";
        if (Has(OnnxContract.Files.GanGenerator)) return "gan";
        if (Has(OnnxContract.Files.Denoiser)) return "diffusion";
        if (Has(OnnxContract.Files.Classifier)) return "image-classifier";
        if (Has(OnnxContract.LanguageModel.File) && Has(OnnxContract.LanguageModel.Manifest)) return "causal-lm";
        return null;
    }
}
