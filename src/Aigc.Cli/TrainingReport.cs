using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Aigc.MLNet.Training;

namespace Aigc.Cli;

/// <summary>
/// Collects every progress report and writes a report folder's <c>index.html</c>: one SVG chart per
/// metric (axis titles; each report's value as a faint point, a smoothed line through them, validation
/// values as distinct markers), the summary, every sample grid in the folder captioned with its step,
/// the final samples, and a text sample. Written at the end of training and when training stops.
/// </summary>
internal sealed partial class TrainingReport(string folder)
{
    private sealed class Metric
    {
        public List<(long Step, double Value)> Training { get; } = [];
        public List<(long Step, double Value)> Validation { get; } = [];
    }

    private readonly SortedDictionary<string, Metric> _metrics = new(StringComparer.Ordinal);

    public string Folder { get; } = folder;

    public void Add(TrainingProgress p)
    {
        foreach (var (name, value) in p.Losses)
            if (double.IsFinite(value)) MetricOf(name).Training.Add((p.Step, value));
        if (p.ValidationMetrics is { } v)
            foreach (var (name, value) in v)
                if (double.IsFinite(value) && name != "perplexity") MetricOf(name).Validation.Add((p.Step, value));
    }

    private Metric MetricOf(string name) => _metrics.TryGetValue(name, out var m) ? m : _metrics[name] = new Metric();

    // The metrics charted, in order (the loss first).
    private IEnumerable<string> Charted => _metrics.Keys.OrderBy(k => k == "loss" ? 0 : 1).ThenBy(k => k, StringComparer.Ordinal);

    public void Write(string title, IReadOnlyDictionary<string, string> summary, string? sampleText = null)
    {
        Directory.CreateDirectory(Folder);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>")
            .Append("<style>body{font-family:sans-serif;margin:2em}td{padding:2px 12px}figure{display:inline-block;margin:8px}")
            .Append("img{image-rendering:pixelated}svg{margin:8px}</style></head><body>")
            .Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1><table>");
        foreach (var (k, v) in summary) html.Append("<tr><td>").Append(WebUtility.HtmlEncode(k)).Append("</td><td>").Append(WebUtility.HtmlEncode(v)).Append("</td></tr>");
        html.Append("</table>");
        if (_metrics.Count > 0)
        {
            html.Append("<h2>Training</h2><p>Faint points: each report; line: smoothed; circles: validation.</p>");
            foreach (var name in Charted) html.Append(Chart(name, _metrics[name], 520, 300));
        }
        var grids = Directory.EnumerateFiles(Folder, "*.png").Select(f => Path.GetFileName(f)!)
            .Select(f => (File: f, Step: StepOf(f))).OrderBy(g => g.Step ?? long.MaxValue).ThenBy(g => g.File, StringComparer.Ordinal).ToList();
        if (grids.Count > 0)
        {
            html.Append("<h2>Samples</h2>");
            foreach (var (file, step) in grids)
                html.Append("<figure><img src=\"").Append(WebUtility.HtmlEncode(file)).Append("\" width=\"300\" alt=\"samples\"><figcaption>")
                    .Append(step is { } s ? $"step {s}" : file.Contains("final", StringComparison.Ordinal) ? "final" : WebUtility.HtmlEncode(file)).Append("</figcaption></figure>");
        }
        if (sampleText is not null) html.Append("<h2>Text sample</h2><pre>").Append(WebUtility.HtmlEncode(sampleText)).Append("</pre>");
        html.Append("</body></html>");
        var path = Path.Combine(Folder, "index.html");
        File.WriteAllText(path + ".tmp", html.ToString());
        File.Move(path + ".tmp", path, overwrite: true);
    }

    [GeneratedRegex(@"step-(\d+)")]
    private static partial Regex StepPattern();

    private static long? StepOf(string file) =>
        StepPattern().Match(file) is { Success: true } m && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>An exponential moving average whose span grows with the number of points (about a
    /// tenth of them), so short runs stay detailed and long runs lose their per-batch noise.</summary>
    internal static double[] Smooth(IReadOnlyList<(long Step, double Value)> points)
    {
        var smoothed = new double[points.Count];
        double alpha = 2.0 / (Math.Max(1, points.Count / 10) + 1);
        for (int i = 0; i < points.Count; i++)
            smoothed[i] = i == 0 ? points[0].Value : smoothed[i - 1] + alpha * (points[i].Value - smoothed[i - 1]);
        return smoothed;
    }

    private static string Chart(string name, Metric metric, int width, int height)
    {
        const int left = 64, right = 16, top = 28, bottom = 44;
        var all = metric.Training.Concat(metric.Validation).ToList();
        long a = all.Min(p => p.Step), b = Math.Max(all.Max(p => p.Step), a + 1);
        double lo = all.Min(p => p.Value), hi = all.Max(p => p.Value);
        if (hi - lo < 1e-12) (lo, hi) = (lo - 0.5, hi + 0.5);
        double X(long s) => left + (double)(s - a) / (b - a) * (width - left - right);
        double Y(double v) => top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom);
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-metric=\"{WebUtility.HtmlEncode(name)}\" width=\"{width}\" height=\"{height}\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{WebUtility.HtmlEncode(name)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{height - top - bottom}\" fill=\"none\" stroke=\"#888\"/>");
        for (int i = 0; i <= 4; i++)
        {
            double v = lo + (hi - lo) * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 4}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{v:G4}</text>");
            long s = a + (b - a) * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(s))}\" y=\"{height - bottom + 14}\" text-anchor=\"middle\">{s}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(left + width - right) / 2}\" y=\"{height - 8}\" text-anchor=\"middle\">step</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(14,{(top + height - bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">{WebUtility.HtmlEncode(name)}</text>");
        foreach (var (s, v) in metric.Training)
            svg.Append($"<circle class=\"raw\" cx=\"{F(X(s))}\" cy=\"{F(Y(v))}\" r=\"1.5\" fill=\"#1f77b4\" fill-opacity=\"0.25\"/>");
        if (metric.Training.Count > 1)
        {
            var smooth = Smooth(metric.Training);
            svg.Append("<polyline class=\"smoothed\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"")
                .AppendJoin(" ", metric.Training.Select((p, i) => $"{F(X(p.Step))},{F(Y(smooth[i]))}")).Append("\"/>");
        }
        foreach (var (s, v) in metric.Validation)
            svg.Append($"<circle class=\"validation\" cx=\"{F(X(s))}\" cy=\"{F(Y(v))}\" r=\"4\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>");
        return svg.Append("</svg>").ToString();
    }
}
