using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Aigc.Torch.Distributed;

namespace Aigc.Cli;

/// <summary>
/// <c>aigc train … --nproc N</c>: runs the same command in N worker processes on this machine, as
/// torchrun does (each worker joins the group from torchrun's variables). Rank 0's output is the
/// tool's output; the other ranks are quiet but for their errors, shown with their rank.
/// </summary>
internal static class WorkerLauncher
{
    public static int Run(ParseResult r, Option<int> nprocOption, int nproc)
    {
        var args = WithoutOption(r.Tokens, nprocOption.Name);
        // Like torchrun's one thread per worker default, but using the cores: N workers share them.
        if (!CommonOptions.Given(r, CommonOptions.Threads))
            args.AddRange([CommonOptions.Threads.Name, Math.Max(1, Environment.ProcessorCount / nproc).ToString(CultureInfo.InvariantCulture)]);
        var (program, prefix) = Self();
        Console.WriteLine($"starting {nproc} worker processes (data-parallel; rank 0 reports)");
        // Ctrl+C at a terminal reaches every worker itself; a SIGINT sent to the launcher alone is passed
        // on. Either way the workers stop together after the next step, rank 0 writes the checkpoint, and
        // the launcher stays to collect them.
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler keepAlive = (_, e) => { e.Cancel = true; interrupt.Cancel(); };
        Console.CancelKeyPress += keepAlive;
        try
        {
            var codes = LocalLauncher.RunAsync(program, [.. prefix, .. args], nproc, (rank, line, isError) =>
            {
                if (rank == 0) (isError ? Console.Error : Console.Out).WriteLine(line);
                else if (isError) Console.Error.WriteLine($"[rank {rank}] {line}");
            }, interrupt: interrupt.Token).GetAwaiter().GetResult();
            return codes[0] != 0 ? codes[0] : codes.FirstOrDefault(c => c != 0);
        }
        finally
        {
            Console.CancelKeyPress -= keepAlive;
        }
    }

    // The command line as typed, less --nproc and its value.
    private static List<string> WithoutOption(IReadOnlyList<Token> tokens, string name)
    {
        var kept = new List<string>();
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type == TokenType.Option && tokens[i].Value == name)
            {
                if (i + 1 < tokens.Count && tokens[i + 1].Type == TokenType.Argument) i++;
                continue;
            }
            kept.Add(tokens[i].Value);
        }
        return kept;
    }

    // This tool: its apphost when that is what runs, else "dotnet aigc.dll" (started through the dotnet
    // host, or hosted in-process by another program such as a test runner).
    private static (string Program, string[] Prefix) Self()
    {
        string? process = Environment.ProcessPath;
        string tool = typeof(WorkerLauncher).Assembly.Location;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == Path.GetFileNameWithoutExtension(tool)) return (process, []);
        string dotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
        return (dotnet, [tool]);
    }
}
