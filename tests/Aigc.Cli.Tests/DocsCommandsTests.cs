using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Aigc.Cli.Tests;

/// <summary>Issue #16: every <c>aigc</c> command in docs/cli.md runs, in order, as written, with only
/// small limits added (nano models, a few steps, a few examples) so CI can afford them.</summary>
public sealed class DocsCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-docs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The command lines of docs/cli.md's bash blocks that run the tool, comments removed.</summary>
    internal static List<string> Commands()
    {
        var lines = new List<string>();
        bool inBash = false;
        foreach (var line in File.ReadAllLines(Path.Combine(CliRunner.Root(), "docs", "cli.md")))
        {
            if (line.StartsWith("```", StringComparison.Ordinal)) inBash = line == "```bash" && !inBash;
            else if (inBash && Regex.IsMatch(line, @"^(aigc |echo .*\| aigc )")) lines.Add(Regex.Replace(line, @"\s+#.*$", ""));
        }
        return lines;
    }

    /// <summary>Splits a command line as a shell would (double quotes group words).</summary>
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool quoted = false, any = false;
        foreach (char c in line)
        {
            if (c == '"') (quoted, any) = (!quoted, true);
            else if (c == ' ' && !quoted)
            {
                if (any) words.Add(word.ToString());
                (word, any) = (new StringBuilder(), false);
            }
            else (_, any) = (word.Append(c), true);
        }
        if (any) words.Add(word.ToString());
        return words;
    }

    private static List<string> Shrink(List<string> args)
    {
        void Set(string flag, string value)
        {
            int i = args.IndexOf(flag);
            if (i >= 0) args[i + 1] = value;
            else args.AddRange([flag, value]);
        }
        switch (args[0])
        {
            case "train":
                Set("--preset", "nano");
                Set("--limit", args[1] == "lm" ? "2000" : "128"); // text: enough for a window after BPE merges
                Set("--steps", "2");
                if (args.Contains("--epochs")) Set("--epochs", "1");
                break;
            case "eval":
                Set("--limit", "128");
                if (args.Contains("--classifier")) Set("--count", "32");
                break;
        }
        // info, tokenize and export run on the CPU anyway; an exported folder runs on ONNX Runtime.
        bool onnxFolder = args[0] == "generate" && Directory.Exists(args[1]);
        if (args[0] is not ("tokenize" or "info" or "export") && !onnxFolder) args.AddRange(["--device", "cpu"]);
        return args;
    }

    [Fact]
    public void EveryCommandInCliMd_RunsAsWritten()
    {
        var commands = Commands();
        Assert.True(commands.Count >= 15, $"found only {commands.Count} commands in docs/cli.md");
        var package = CliRunner.Gpt2Package;
        var cwd = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _dir;
        try
        {
            foreach (var line in commands)
            {
                string? input = null;
                var text = line;
                if (Regex.Match(line, @"^echo ""([^""]*)"" \| (aigc .*)$") is { Success: true } piped) (input, text) = (piped.Groups[1].Value + "\n", piped.Groups[2].Value);
                var args = Shrink(Words(text).Skip(1).Select(a => a switch
                {
                    "encoder.json" or "vocab.bpe" => Path.Combine(package, a),
                    _ => a,
                }).ToList());
                int code;
                string output, errors;
                if (input is null) (code, output, errors) = CliRunner.Run([.. args]);
                else
                {
                    var stdout = new StringWriter();
                    code = TokenizeCommand.Run(Cli.Create().Parse([.. args]), new StringReader(input), stdout);
                    (output, errors) = (stdout.ToString(), "");
                }
                Assert.True(code == 0, $"`{line}` (run as `aigc {string.Join(' ', args)}`) exited {code}: {errors}");
                if (line.Contains("# 15496 995", StringComparison.Ordinal) || line.StartsWith("echo \"Hello world\"", StringComparison.Ordinal))
                    Assert.Equal("15496 995", output.Trim());
            }
        }
        finally
        {
            Environment.CurrentDirectory = cwd;
        }
    }
}
