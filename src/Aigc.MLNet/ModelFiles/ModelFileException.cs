namespace Aigc.MLNet.ModelFiles;

/// <summary>A model file cannot be loaded (corrupt, truncated, hostile, from a newer version, or not
/// matching its manifest). The message names the file and the problem.</summary>
public sealed class ModelFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ModelFileException(string path, string problem, Exception? inner = null) : base($"{path}: {problem}", inner) => FilePath = path;

    /// <summary>The model file.</summary>
    public string FilePath { get; }
}
