namespace Aigc.Torch.Serialization;

/// <summary>A safetensors file is truncated, corrupted or inconsistent. The message names the file
/// and the problem.</summary>
public sealed class SafeTensorsException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public SafeTensorsException(string path, string problem) : base($"{path}: {problem}") => FilePath = path;

    /// <summary>Creates the exception with the exception that caused it.</summary>
    public SafeTensorsException(string path, string problem, Exception inner) : base($"{path}: {problem}", inner) => FilePath = path;

    /// <summary>The file that failed to load.</summary>
    public string FilePath { get; }
}
