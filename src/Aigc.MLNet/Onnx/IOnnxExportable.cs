namespace Aigc.MLNet.Onnx;

/// <summary>A trained model that writes its inference graphs as ONNX files.</summary>
internal interface IOnnxExportable
{
    /// <summary>Writes the model's <c>.onnx</c> files into <paramref name="directory"/> (which exists)
    /// and returns their paths.</summary>
    IReadOnlyList<string> ExportOnnx(string directory);
}
