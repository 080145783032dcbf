using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Aigc.MLNet;

namespace Aigc.Cli;

/// <summary><c>aigc info model.aigc</c>: what the model is, its options, schema and training summary
/// (reads the manifest only; nothing in the file is executed).</summary>
internal static class InfoCommand
{
    private static readonly Argument<string> ModelPath = new("model") { Description = "A model file" };
    private static readonly Option<bool> Json = new("--json") { Description = "Print the manifest as JSON" };

    public static Command Create()
    {
        var command = new Command("info", """
            Show what a model file holds (reads only its manifest).
            Examples:
              aigc info vae.aigc
              aigc info vae.aigc --json
            """) { ModelPath, Json, CommonOptions.Verbose };
        command.SetAction(r => CommonOptions.Guard(r, () => Run(r)));
        return command;
    }

    private static int Run(ParseResult r)
    {
        var path = r.GetValue(ModelPath)!;
        if (!File.Exists(path)) throw new CliException($"Model file not found: {path}");
        var m = new Microsoft.ML.MLContext().Model.InspectGenerative(path);
        if (r.GetValue(Json))
        {
            Console.WriteLine(JsonSerializer.Serialize(m, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        long parameters = m.Weights.Values.Sum(w => w.Shape.Aggregate(1L, (a, b) => a * b));
        var rows = new List<(string, string)>
        {
            ("family", m.Family),
            ("format", $"{m.Format} v{m.FormatVersion}, written by Aigc.MLNet {m.LibraryVersion}"),
            ("inputs", string.Join(", ", m.InputSchema.Select(c => $"{c.Name}: {c.Type}"))),
            ("outputs", string.Join(", ", m.OutputSchema.Select(c => $"{c.Name}: {c.Type}"))),
            ("weights", string.Create(CultureInfo.InvariantCulture, $"{m.Weights.Count} tensors, {parameters:N0} values")),
            ("training", string.Create(CultureInfo.InvariantCulture, $"{m.Training.Steps} steps, {m.Training.Epochs:G4} epochs, seed {m.Training.Seed}, finished {m.Training.FinishedAt:u}")),
            ("final losses", string.Join(", ", m.Training.FinalLosses.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} {l.Value:G5}")))),
            ("data fingerprint", m.Training.DataFingerprint),
        };
        if (m.Files.Count > 0) rows.Add(("files", string.Join(", ", m.Files)));
        CommonOptions.PrintTable(path, rows);
        Console.WriteLine(m.Options.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
