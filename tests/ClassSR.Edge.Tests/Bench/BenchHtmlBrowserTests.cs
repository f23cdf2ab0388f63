using ClassSR.Edge.IO.Gpio;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using ClassSR.Edge.Bench;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Imaging;

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

    /// <summary>The number in the cell of <paramref name="field"/> in a row of <paramref name="mode"/> (each table has one).</summary>
    static double Field(string dom, string mode, string field)
    {
        var rows = Regex.Matches(dom, $"<tr data-mode=\"{Regex.Escape(mode)}\">(.*?)</tr>", RegexOptions.Singleline);
        Assert.True(rows.Count > 0, $"no row for {mode} in the DOM");
        var cell = rows.Select(r => Regex.Match(r.Groups[1].Value, $"<td data-field=\"{field}\"[^>]*>([^<]*)</td>")).FirstOrDefault(c => c.Success);
        Assert.True(cell != null, $"no {field} cell for {mode}");
        return double.Parse(cell.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [ChromiumFact]
    public void Tables_fit_a_1300_pixel_page_and_chart_labels_of_close_modes_do_not_overlap()
    {
        string dir = TestImages.TemporaryDirectory();
        var result = BenchTestData.Run(BenchTestData.Y4m(dir), BenchTestData.TwoWatts(), new SimulatedMarkerPin(), modes: "bicubic,classsr-int8");
        string json = Path.Combine(dir, "bench.json"), html = Path.Combine(dir, "bench.html");
        BenchReportFile.Save(json, result.Report);
        // Seven modes within 0.3 dB and a few fps of each other, as a bench of the branches and precisions gives.
        var doc = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!;
        var modes = doc["modes"]!.AsArray();
        var first = modes[1]!.ToJsonString();
        string[] names = ["small", "medium", "large-fp32", "large-int8", "classsr-fp32", "classsr-int8", "classsr-auto"];
        modes.Clear();
        for (int i = 0; i < names.Length; i++)
        {
            var m = System.Text.Json.Nodes.JsonNode.Parse(first)!;
            m["name"] = names[i];
            m["fps"] = 20 + i * 0.7;
            m["quality"]!["psnr_y"] = 27.0 + (i % 4) * 0.08;
            modes.Add(m);
        }
        File.WriteAllText(json, doc.ToJsonString());
        // The page measured in the browser itself: table extents, and each label's box in the chart.
        const string Probe = """
            <script>
            const out = {tables: [...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right),
              page: document.documentElement.scrollWidth,
              labels: [...document.querySelectorAll('svg[data-chart="fps-psnr"] text[data-label]')].map(t => { const b = t.getBBox(); return [b.x, b.y, b.width, b.height]; })};
            const pre = document.createElement('pre'); pre.id = 'layout'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
            </script>
            """;
        File.WriteAllText(html, BenchHtml.Render(BenchReportFile.Load(json)).Replace("</body>", Probe + "</body>"));
        var dom = Chromium(dir, "--window-size=1300,2000", "--dump-dom", new Uri(html).AbsoluteUri);
        Assert.True(dom.ExitCode == 0, dom.Stderr);
        var layout = Regex.Match(dom.Stdout, "<pre id=\"layout\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(layout.Success, "the probe did not run");
        using var figures = System.Text.Json.JsonDocument.Parse(System.Net.WebUtility.HtmlDecode(layout.Groups[1].Value));
        var root = figures.RootElement;
        Assert.True(root.GetProperty("page").GetDouble() <= 1300, $"the page is {root.GetProperty("page")} px wide");
        foreach (var right in root.GetProperty("tables").EnumerateArray())
            Assert.True(right.GetDouble() <= 1300, $"a table ends at {right} px");
        var boxes = root.GetProperty("labels").EnumerateArray().Select(b => b.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToList();
        Assert.Equal(names.Length, boxes.Count);
        for (int a = 0; a < boxes.Count; a++)
            for (int b = a + 1; b < boxes.Count; b++)
            {
                var (p, q) = (boxes[a], boxes[b]);
                bool overlap = p[0] < q[0] + q[2] && q[0] < p[0] + p[2] && p[1] < q[1] + q[3] && q[1] < p[1] + p[3];
                Assert.False(overlap, $"labels {names[a]} and {names[b]} overlap");
            }
    }
}
