using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;
using ClassSR.Edge.Tests.Bench;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Daemon;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Control;

/// <summary>The viewer page (Control/viewer.html) in headless Chromium against a running daemon.</summary>
public partial class ViewerPageBrowserTests
{
    static string Dom(string dir, Uri page, int budgetMs)
    {
        var r = CliRunner.Run(ChromiumFactAttribute.Path!, ["--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={Path.Combine(dir, "profile")}",
            $"--virtual-time-budget={budgetMs}", "--dump-dom", page.AbsoluteUri], 90_000);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout;
    }

    [ChromiumFact]
    public void The_stream_split_view_class_map_and_live_figures_show()
    {
        using var daemon = new DaemonProcess("--listen", "127.0.0.1:0", "--frames-socket", "none", "--models", TestModels.Quick().Directory, "--seconds", "60");
        var url = daemon.WaitForUrl(TimeSpan.FromSeconds(15));
        string dir = TestImages.TemporaryDirectory();
        var page = new Uri(url, "?split=1&map=1");
        string first = Dom(dir, page, 2500);
        Assert.Contains("<img id=\"stream\" alt=\"ClassSR stream\" src=\"stream\"", first);
        // The split view asks for the bicubic stream and shows it beside ClassSR's.
        Assert.Matches("<img id=\"bicubic\" alt=\"bicubic stream\" src=\"stream\\?view=bicubic\"(?![^>]*hidden)", first);
        Assert.Matches("<div id=\"divider\"(?![^>]*hidden)", first);
        // The class map was drawn: its canvas takes the LR frame's size from /classes.
        Assert.Contains("<canvas id=\"overlay\" width=\"320\" height=\"180\">", first);
        Assert.Contains("<span id=\"source\">synthetic 320x180 → 1280x720", first);
        Assert.Contains("<span id=\"signal\" class=\"good\">live</span>", first);
        // The frame-budget controller's line: at full quality, or holding on a machine busy with other work.
        Assert.Matches("<td>frame budget</td><td>(full quality at|holding) 30.0 fps", first);
        // The figures update: the uptime the page shows moves on between two loads.
        Thread.Sleep(1500);
        string second = Dom(dir, page, 2500);
        Assert.True(Uptime(second) > Uptime(first), $"uptime {Uptime(first)} then {Uptime(second)}");
        Assert.Matches(@"<td>fps captured / processed / encoded</td><td>[1-9]", second);
    }

    static double Uptime(string dom)
    {
        var m = UptimeCell().Match(dom);
        Assert.True(m.Success, "no uptime in the page");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"<td>uptime</td><td>([0-9.]+) s</td>")]
    private static partial Regex UptimeCell();
}
