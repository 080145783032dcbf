namespace Aigc.Torch;

/// <summary>An error raised inside libtorch (or the native shim), carrying libtorch's own message,
/// e.g. "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)". The process stays usable.</summary>
public class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public TorchException(string message, Exception inner) : base(message, inner) { }
}
