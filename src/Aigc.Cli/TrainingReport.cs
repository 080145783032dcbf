using System.Globalization;
using System.Net;
using System.Text;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Training;

namespace Aigc.Cli;

/// <summary>
/// Collects the losses of every progress report and writes a report folder: <c>loss.png</c> (the
/// curves, one colour per loss), <c>index.html</c> (the same curves as a labelled SVG chart, the
/// final figures and every sample grid or text found in the folder).
/// </summary>
internal sealed class TrainingReport(string folder)
{
    private static readonly (byte R, byte G, byte B)[] Palette = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14), (23, 190, 207)];
    private readonly SortedDictionary<string, List<(long Step, double Value)>> _series = new(StringComparer.Ordinal);

    public string Folder { get; } = folder;

    public void Add(TrainingProgress p)
    {
        foreach (var (name, value) in p.Losses)
            if (double.IsFinite(value) && name != "lr") Series(name).Add((p.Step, value));
        if (p.ValidationMetrics is { } v)
            foreach (var (name, value) in v)
                if (double.IsFinite(value) && name != "perplexity") Series("validation " + name).Add((p.Step, value));
    }

    private List<(long, double)> Series(string name) => _series.TryGetValue(name, out var s) ? s : _series[name] = [];

    public void Write(string title, IReadOnlyDictionary<string, string> summary, string? sampleText = null)
    {
        Directory.CreateDirectory(Folder);
        WritePng(Path.Combine(Folder, "loss.png"), 640, 360);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>")
            .Append("<style>body{font-family:sans-serif;margin:2em}td{padding:2px 12px}img{image-rendering:pixelated;margin:4px}</style></head><body>")
            .Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1><table>");
        foreach (var (k, v) in summary) html.Append("<tr><td>").Append(WebUtility.HtmlEncode(k)).Append("</td><td>").Append(WebUtility.HtmlEncode(v)).Append("</td></tr>");
        html.Append("</table><h2>Losses</h2>").Append(Svg(720, 400)).Append("<p><img src=\"loss.png\" alt=\"loss curves\"></p>");
        var grids = Directory.EnumerateFiles(Folder, "*.png").Select(Path.GetFileName).Where(f => f != "loss.png")
            .OrderBy(f => StepOf(f!)).ThenBy(f => f, StringComparer.Ordinal).ToList();
        if (grids.Count > 0)
        {
            html.Append("<h2>Samples</h2>");
            foreach (var g in grids) html.Append("<figure><img src=\"").Append(WebUtility.HtmlEncode(g)).Append("\" width=\"300\"><figcaption>").Append(WebUtility.HtmlEncode(g)).Append("</figcaption></figure>");
        }
        if (sampleText is not null) html.Append("<h2>Sample</h2><pre>").Append(WebUtility.HtmlEncode(sampleText)).Append("</pre>");
        html.Append("</body></html>");
        File.WriteAllText(Path.Combine(Folder, "index.html"), html.ToString());
    }

    private static long StepOf(string file)
    {
        var digits = new string(file.Where(char.IsDigit).ToArray());
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
    }

    private (long MinStep, long MaxStep, double Low, double High) Bounds()
    {
        var all = _series.Values.SelectMany(s => s).ToList();
        if (all.Count == 0) return (0, 1, 0, 1);
        long a = all.Min(p => p.Step), b = Math.Max(all.Max(p => p.Step), a + 1);
        double lo = all.Min(p => p.Value), hi = all.Max(p => p.Value);
        if (hi - lo < 1e-12) hi = lo + 1;
        return (a, b, lo, hi);
    }

    private string Svg(int width, int height)
    {
        const int left = 60, bottom = 30, top = 10, right = 150;
        var (a, b, lo, hi) = Bounds();
        double X(long s) => left + (double)(s - a) / (b - a) * (width - left - right);
        double Y(double v) => top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom);
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-size=\"11\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{height - top - bottom}\" fill=\"none\" stroke=\"#888\"/>");
        for (int i = 0; i <= 4; i++)
        {
            double v = lo + (hi - lo) * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 4}\" y=\"{Y(v) + 4:F1}\" text-anchor=\"end\">{v:G4}</text>");
            long s = a + (b - a) * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(s):F1}\" y=\"{height - 10}\" text-anchor=\"middle\">{s}</text>");
        }
        int k = 0;
        foreach (var (name, points) in _series)
        {
            var (r, g, bl) = Palette[k % Palette.Length];
            string path = string.Join(" ", points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.Step):F1},{Y(p.Value):F1}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"rgb({r},{g},{bl})\" stroke-width=\"1.5\" points=\"{path}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - right + 10}\" y=\"{top + 14 * (k + 1)}\" fill=\"rgb({r},{g},{bl})\">{WebUtility.HtmlEncode(name)}</text>");
            k++;
        }
        return svg.Append("</svg>").ToString();
    }

    private void WritePng(string path, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, (byte)255);
        void Plot(int x, int y, (byte R, byte G, byte B) c)
        {
            if (x < 0 || y < 0 || x >= width || y >= height) return;
            int i = (y * width + x) * 3;
            (pixels[i], pixels[i + 1], pixels[i + 2]) = c;
        }
        void Line(double x0, double y0, double x1, double y1, (byte, byte, byte) c)
        {
            int n = (int)Math.Ceiling(Math.Max(Math.Abs(x1 - x0), Math.Abs(y1 - y0))) + 1;
            for (int i = 0; i <= n; i++) Plot((int)Math.Round(x0 + (x1 - x0) * i / n), (int)Math.Round(y0 + (y1 - y0) * i / n), c);
        }
        const int m = 20;
        var (a, b, lo, hi) = Bounds();
        double X(long s) => m + (double)(s - a) / (b - a) * (width - 2 * m);
        double Y(double v) => m + (1 - (v - lo) / (hi - lo)) * (height - 2 * m);
        var grey = ((byte)200, (byte)200, (byte)200);
        for (int i = 0; i <= 4; i++)
        {
            double y = m + (height - 2 * m) * i / 4.0;
            Line(m, y, width - m, y, grey);
        }
        int k = 0;
        foreach (var points in _series.Values)
        {
            var c = Palette[k++ % Palette.Length];
            for (int i = 1; i < points.Count; i++) Line(X(points[i - 1].Step), Y(points[i - 1].Value), X(points[i].Step), Y(points[i].Value), c);
            if (points.Count == 1) Plot((int)X(points[0].Step), (int)Y(points[0].Value), c);
        }
        PngEncoder.Save(path, pixels, width, height, 3);
    }
}
