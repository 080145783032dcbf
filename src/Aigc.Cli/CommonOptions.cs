using Microsoft.ML;
using System.CommandLine;
using System.Text.Json;
using Aigc.MLNet;
using Aigc.MLNet.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.Torch;
using Spectre.Console;

namespace Aigc.Cli;

/// <summary>Options every command shares, the context they configure, and the error policy:
/// a known failure is one line on standard error and exit code 1; <c>--verbose</c> adds the details.</summary>
internal static class CommonOptions
{
    public static readonly Option<string> Device = new("--device") { Description = "auto, cpu, cuda or cuda:N", DefaultValueFactory = _ => "auto" };
    public static readonly Option<int> Seed = new("--seed") { Description = "Seed for initialisation, data order and sampling", DefaultValueFactory = _ => 1 };
    public static readonly Option<int?> Threads = new("--threads") { Description = "CPU threads libtorch uses (default: all cores)" };
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Show full error details" };

    public static GenerativeCatalog Context(ParseResult r, Aigc.Torch.Distributed.ProcessGroup? group = null)
    {
        var device = r.GetValue(Device);
        Device? chosen = device == "auto" ? null : ParseDevice(device!);
        int? threads = r.GetValue(Threads);
        if (threads is < 1) throw new CliException($"--threads must be at least 1, not {threads}.");
        // The tool owns its process, so it takes the measured thread and allocator tuning.
        return new MLContext(r.GetValue(Seed)).Generative(new GenerativeOptions { Device = chosen, Threads = threads, ProcessTuning = true, ProcessGroup = group });
    }

    private static Device ParseDevice(string text)
    {
        Device d;
        try
        {
            d = Torch.Device.Parse(text);
        }
        catch (ArgumentException)
        {
            throw new CliException($"--device must be auto, cpu, cuda or cuda:N, not '{text}'.");
        }
        if (d.Type == DeviceType.Cuda && d.Index >= Torch.Device.CudaDeviceCount)
            throw new CliException($"--device {text}: this machine has {Torch.Device.CudaDeviceCount} usable CUDA device(s) (a CPU build of libtorch has none).");
        return d;
    }

    /// <summary>Runs a command body under the error policy.</summary>
    public static int Guard(ParseResult r, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is CliException or ModelFileException or FileNotFoundException or DirectoryNotFoundException or ArgumentException
                                      or InvalidDataException or SchemaMismatchException or NotSupportedException or TorchException or JsonException
                                      or InvalidOperationException or IOException or UnauthorizedAccessException or Aigc.MLNet.Training.TrainingDivergedException
                                      or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or Aigc.Torch.Distributed.DistributedException
                                      or PlatformNotSupportedException)
        {
            Console.Error.WriteLine($"error: {OneLine(e)}");
            if (r.GetValue(Verbose)) Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>The message on one line, in the tool's flags (see <see cref="FlagVocabulary"/>).</summary>
    internal static string OneLine(Exception e) => FlagVocabulary.Message(e);

    /// <summary>Loads a model file and checks it is one of the families a command accepts.</summary>
    public static ITransformer LoadModel(GenerativeCatalog ctx, string path, string command, params Type[] accepted)
    {
        if (!File.Exists(path)) throw new CliException($"Model file not found: {path}");
        var model = ctx.MLContext.Model.LoadGenerative(path, ctx);
        if (accepted.Length > 0 && !accepted.Any(t => t.IsInstanceOfType(model)))
        {
            var family = (model as ISavableModel)?.Family ?? model.GetType().Name;
            (model as IDisposable)?.Dispose();
            throw new CliException($"'aigc {command}' cannot use a '{family}' model ({path}).");
        }
        return model;
    }

    /// <summary>True when the user typed <paramref name="option"/> (a default does not count).</summary>
    public static bool Given(ParseResult r, Option option) => r.GetResult(option) is { Implicit: false };

    /// <summary>Rejects an option typed for a model it does not apply to, naming both: a silently
    /// ignored flag would make the user believe it did something.</summary>
    public static void RejectInapplicable(ParseResult r, string family, params (Option Option, string[] Families)[] rules)
    {
        foreach (var (option, families) in rules)
            if (Given(r, option) && !families.Contains(family))
                throw new CliException($"{option.Name} applies to {List(families)} models, not to a {family} model.");
    }

    /// <summary>"a", "a and b", "a, b and c".</summary>
    public static string List(IReadOnlyList<string> items) =>
        items.Count <= 1 ? string.Join("", items) : string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1];

    /// <summary>Labels 0, 1, …, classes − 1, 0, 1, … for <paramref name="count"/> images of a conditional model.</summary>
    public static long[] CycleLabels(int count, int classes) => Enumerable.Range(0, count).Select(i => (long)(i % classes)).ToArray();

    public static void PrintTable(string title, IEnumerable<(string Name, string Value)> rows)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumn("").AddColumn("");
        table.HideHeaders();
        foreach (var (name, value) in rows) table.AddRow(Markup.Escape(name), Markup.Escape(value));
        AnsiConsole.Write(table);
    }
}
