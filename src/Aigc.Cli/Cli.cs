using System.CommandLine;

namespace Aigc.Cli;

/// <summary>The <c>aigc</c> command tree.</summary>
internal static class Cli
{
    public static RootCommand Create() => new("aigc: train, generate with, evaluate and inspect generative models (GAN, VAE, diffusion, GPT/LSTM language models)")
    {
        TrainCommand.Create(),
        GenerateCommand.Create(),
        EvalCommand.Create(),
        InfoCommand.Create(),
        TokenizeCommand.Create(),
    };

    /// <summary>Parses and runs one command line; returns the exit code.</summary>
    public static int Run(string[] args) => Create().Parse(args).Invoke();
}
