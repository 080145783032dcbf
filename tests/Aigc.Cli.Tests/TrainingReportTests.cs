using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Xunit;

namespace Aigc.Cli.Tests;

/// <summary>A fact that needs Debian's chromium (to render a report); skipped with the reason where it is absent.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public static readonly string? Path = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public ChromiumFactAttribute()
    {
        if (Path is null) Skip = "chromium is absent: run scripts/setup.sh (it installs Debian's chromium for this test).";
    }
}

/// <summary>Issue #16: the report has one chart per metric with axis titles, faint raw points under a
/// smoothed line, distinct validation markers, every sample grid captioned with its step and the
/// final samples; a browser renders all of it.</summary>
public sealed class TrainingReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingProgress Progress(long step, double loss, double kl, double? validation = null) =>
        new(1, 1, step, 100, new Dictionary<string, double> { ["loss"] = loss, ["kl"] = kl }, 10, TimeSpan.FromSeconds(step), null,
            validation is { } v ? new Dictionary<string, double> { ["loss"] = v, ["perplexity"] = Math.Exp(v) } : null);

    private string WriteReport()
    {
        var report = new TrainingReport(_dir);
        var rand = new Random(3);
        for (int step = 1; step <= 100; step++)
            report.Add(Progress(step, 10.0 / step + rand.NextDouble(), 0.01 * step, step % 25 == 0 ? 10.0 / step : null));
        using (var images = Tensor.Rand([4, 1, 8, 8]))
            foreach (var name in new[] { "samples-step-50.png", "samples-step-100.png", "samples-final.png" })
                ImageGrid.Save(Path.Combine(_dir, name), images);
        report.Write("aigc train vae", new Dictionary<string, string> { ["family"] = "vae" });
        return Path.Combine(_dir, "index.html");
    }

    [Fact]
    public void Report_HasAChartPerMetric_WithAxisTitlesSmoothingAndValidation()
    {
        string html = File.ReadAllText(WriteReport());
        var charts = Regex.Matches(html, "<svg[^>]*data-metric=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["loss", "kl"], charts); // kl has its own axis instead of flattening the loss
        Assert.Equal(2, Regex.Matches(html, ">step</text>").Count);
        Assert.Equal(200, Regex.Matches(html, "class=\"raw\"").Count);
        Assert.Equal(2, Regex.Matches(html, "class=\"smoothed\"").Count);
        Assert.Equal(4, Regex.Matches(html, "class=\"validation\"").Count); // steps 25, 50, 75, 100; perplexity is not charted
        Assert.Matches("step 50</figcaption>.*step 100</figcaption>.*final</figcaption>", html);
        Assert.DoesNotContain("loss.png", html);
    }

    [Fact]
    public void Smoothing_FollowsTheTrend_AndDampsTheNoise()
    {
        var points = Enumerable.Range(0, 400).Select(i => ((long)i, 5.0 - i / 100.0 + (i % 2 == 0 ? 1 : -1))).ToList();
        var smooth = TrainingReport.Smooth(points);
        Assert.InRange(smooth[^1], 1.0 - 0.6, 1.0 + 0.6); // the trend's end (5 - 3.99), noise of ±1 mostly averaged out
        Assert.True(smooth[100] > smooth[300]);
    }

    [ChromiumFact]
    public void Report_RendersInChromium_WithEveryChartAndImageNonEmpty()
    {
        var page = WriteReport();
        // A copy of the page measures what the browser drew and writes it into the title.
        const string probe = "<script>window.addEventListener('load', () => { document.title = JSON.stringify({" +
                             "charts: [...document.querySelectorAll('svg.chart')].map(s => { const b = s.getBBox(); return b.width * b.height; })," +
                             "images: [...document.images].map(i => i.naturalWidth * i.naturalHeight) }); });</script>";
        var probed = Path.Combine(_dir, "probe.html");
        File.WriteAllText(probed, File.ReadAllText(page).Replace("</body>", probe + "</body>"));
        var psi = new ProcessStartInfo(ChromiumFactAttribute.Path!)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom", "file://" + probed })
            psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = _dir; // chromium writes its profile there
        using var chromium = Process.Start(psi)!;
        var stderr = chromium.StandardError.ReadToEndAsync();
        string dom = chromium.StandardOutput.ReadToEnd();
        Assert.True(chromium.WaitForExit(60_000), "chromium did not finish");
        var title = Regex.Match(dom, "<title>(.*?)</title>", RegexOptions.Singleline).Groups[1].Value;
        Assert.True(title.StartsWith('{'), $"the page did not load: {title} {stderr.Result}");
        using var drawn = JsonDocument.Parse(System.Net.WebUtility.HtmlDecode(title));
        var charts = drawn.RootElement.GetProperty("charts").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var images = drawn.RootElement.GetProperty("images").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(2, charts.Count);
        Assert.All(charts, area => Assert.True(area > 10_000, $"a chart drew only {area} px²"));
        Assert.Equal(3, images.Count);
        Assert.All(images, area => Assert.True(area > 0, "an image did not decode"));
    }
}
