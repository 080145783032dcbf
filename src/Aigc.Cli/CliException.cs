namespace Aigc.Cli;

/// <summary>A user-facing error: printed as one line, exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
