using System.Globalization;
using Aigc.MLNet.Training;
using Spectre.Console;

namespace Aigc.Cli;

/// <summary>
/// Shows training progress: a live bar with the losses, samples/s and ETA on an interactive
/// terminal, plain lines otherwise (logs, CI). Every report also goes to the training report.
/// </summary>
internal sealed class LiveProgress(TrainingReport? report) : IProgress<TrainingProgress>
{
    private ProgressTask? _task;

    /// <summary>How often the training loop reports to the display (besides every N steps).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(10);
    private readonly System.Diagnostics.Stopwatch _plainClock = new();

    private void WriteLine(string line)
    {
        if (_task is null) Console.WriteLine(line);
        else AnsiConsole.MarkupLine(Markup.Escape(line));
    }

    public TrainingProgress? Last { get; private set; }

    public static string Describe(TrainingProgress p) =>
        string.Join("  ", p.Losses.Where(l => l.Key != "lr").Select(l => $"{l.Key} {l.Value.ToString("G4", CultureInfo.InvariantCulture)}")) +
        (p.ValidationMetrics is { Count: > 0 } v ? "  | validation " + string.Join(" ", v.Select(m => $"{m.Key} {m.Value.ToString("G4", CultureInfo.InvariantCulture)}")) : "");

    /// <summary>Runs <paramref name="train"/> under the live display (or plainly when not interactive).</summary>
    public T Run<T>(string title, Func<T> train)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return train();
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                _task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                result = train();
                _task.Value = _task.MaxValue;
            });
        return result;
    }

    public void Report(TrainingProgress value)
    {
        if (Last is null && value.ResumedFromStep is { } from)
            WriteLine($"resuming from step {from}{(value.TotalSteps is { } all ? $" of {all}" : "")}");
        // The checkpoint's history continues the report's curves from the start of the run.
        if (value.EarlierReports is { } earlier && report is not null)
            foreach (var e in earlier) report.Add(e);
        if (value.Losses.Count == 0) return; // the resume report carries no step of its own
        Last = value;
        report?.Add(value);
        string eta = value.Eta is { } left ? $"  eta {left:hh\\:mm\\:ss}" : "";
        if (_task is null)
        {
            // Plain lines (logs, pipes): at most one per PlainEvery, plus every validation.
            if (_plainClock.IsRunning && _plainClock.Elapsed < PlainEvery && value.ValidationMetrics is null) return;
            _plainClock.Restart();
            Console.WriteLine($"step {value.Step}{(value.TotalSteps is { } t ? "/" + t : "")}  {Describe(value)}  {value.SamplesPerSecond:F0} samples/s{eta}");
            return;
        }
        if (value.TotalSteps is { } total)
        {
            _task.MaxValue = total;
            _task.Value = value.Step;
        }
        // Our ETA comes from the loop's smoothed step time; Spectre's own estimate jumps with each update.
        _task.Description = Markup.Escape($"step {value.Step}{(value.TotalSteps is { } planned ? "/" + planned : "")}  {Describe(value)}  {value.SamplesPerSecond:F0}/s{eta}");
    }
}
