using ClassSR.Edge.IO.Gpio;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using ClassSR.Edge.Daemon.Bench;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.Bench;

/// <summary>A fact that needs Debian's chromium (build.sh test installs it); skipped, saying so, where it is absent.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public static string? Path => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public ChromiumFactAttribute()
    {
        if (Path is null)
            Skip = "chromium is not installed (apt-get install chromium; ./build.sh test installs it): the HTML report was not checked in a browser";
    }
}

[Collection(BenchCollection.Name)]
public partial class BenchHtmlBrowserTests
{
    static CliRunner.Result Chromium(string dir, params string[] args) =>
        // A profile of its own: another chromium running on the machine would otherwise hold the default one's lock.
        CliRunner.Run(ChromiumFactAttribute.Path!, ["--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={Path.Combine(dir, "profile")}", .. args], 90_000);

    [ChromiumFact]
    public void Report_renders_in_chromium_and_its_dom_shows_the_json_figures()
    {
        string dir = TestImages.TemporaryDirectory();
        var result = BenchTestData.Run(BenchTestData.Y4m(dir), BenchTestData.TwoWatts(), new SimulatedMarkerPin(), modes: "bicubic,classsr-int8");
        string json = Path.Combine(dir, "bench.json"), html = Path.Combine(dir, "bench.html"), png = Path.Combine(dir, "shot.png");
        BenchReportFile.Save(json, result.Report);
        File.WriteAllText(html, BenchHtml.Render(BenchReportFile.Load(json)));
        var report = BenchReportFile.Load(json);

        var shot = Chromium(dir, $"--screenshot={png}", "--window-size=1280,2000", new Uri(html).AbsoluteUri);
        Assert.True(File.Exists(png), $"no screenshot; chromium said: {shot.Stderr}");
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal((1280, 2000), (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20))));
        Assert.True(bytes.Length > 20_000, $"a {bytes.Length}-byte screenshot is too small to hold the report");

        var dom = Chromium(dir, "--dump-dom", new Uri(html).AbsoluteUri);
        Assert.True(dom.ExitCode == 0, dom.Stderr);
        foreach (var m in report.Modes)
        {
            Shows(m.Fps, Field(dom.Stdout, m.Name, "fps"), 2);
            Shows(m.LatencyMs.EndToEnd.P50, Field(dom.Stdout, m.Name, "e2e_p50"), 1);
            Shows(m.Quality!.PsnrY, Field(dom.Stdout, m.Name, "psnr_y"), 2);
            Shows(m.Energy!.MjPerFrame, Field(dom.Stdout, m.Name, "mj_per_frame"), 1);
            Assert.Contains($"data-chart=\"histogram\" data-mode=\"{m.Name}\"", dom.Stdout);
        }
        Assert.Contains("data-chart=\"power\"", dom.Stdout);
        Assert.Contains("data-chart=\"fps-psnr\"", dom.Stdout);
        Assert.Contains("SIMULATED", dom.Stdout);
        Assert.DoesNotContain("http://", File.ReadAllText(html).Replace("http://www.w3.org/2000/svg", ""));
    }

    /// <summary>
    /// The page shows the JSON's figure rounded to <paramref name="decimals"/> (half away from zero, as
    /// formatting does; Assert.Equal's precision rounds half to even and would fail on a trailing 5).
    /// </summary>
    static void Shows(double json, double shown, int decimals) =>
        Assert.True(Math.Abs(json - shown) <= 0.5 * Math.Pow(10, -decimals) + 1e-9, $"page shows {shown}, JSON has {json}");

    /// <summary>The number in the cell of <paramref name="field"/> in the row of <paramref name="mode"/>.</summary>
    static double Field(string dom, string mode, string field)
    {
        var row = Regex.Match(dom, $"<tr data-mode=\"{Regex.Escape(mode)}\">(.*?)</tr>", RegexOptions.Singleline);
        Assert.True(row.Success, $"no row for {mode} in the DOM");
        var cell = Regex.Match(row.Groups[1].Value, $"<td data-field=\"{field}\"[^>]*>([^<]*)</td>");
        Assert.True(cell.Success, $"no {field} cell for {mode}");
        return double.Parse(cell.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
