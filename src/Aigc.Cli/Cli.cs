using System.CommandLine;
using Spectre.Console;

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
        ExportCommand.Create(),
        TokenizeCommand.Create(),
    };

    /// <summary>Parses and runs one command line; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        AnsiConsole.Console = CreateConsole();
        return Create().Parse(args).Invoke();
    }

    /// <summary>The console tables and the live progress write to: colours and live redrawing only on a
    /// terminal, never when the output is piped or redirected, or when NO_COLOR is set (no-color.org).</summary>
    internal static IAnsiConsole CreateConsole()
    {
        bool terminal = !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }
}
