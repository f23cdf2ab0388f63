using System.Text.Json;
using Xunit;
using ClassSR.Edge.Tests.Daemon;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Service;

namespace ClassSR.Edge.Tests.Pipeline;

/// <summary>target_fps and latency_budget in the running daemon: read at start, applied by SIGHUP, a bad value refused by name.</summary>
public class BudgetReloadTests
{
    static async Task<JsonElement> Hold(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("state"));
        return doc.RootElement.GetProperty("hold").Clone();
    }

    [Fact]
    public async Task Sighup_applies_a_new_target_between_frames_and_refuses_a_bad_one_naming_the_key()
    {
        string dir = TestImages.TemporaryDirectory();
        string config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, """{"target_fps": 10, "latency_budget": 40}""");
        // SIGHUP at its default, as systemd starts the daemon (see SystemdNotifierTests).
        using var daemon = new DaemonProcess("env", ["--default-signal=HUP", "dotnet", Path.Combine(AppContext.BaseDirectory, "classsr-edge.dll")], null,
            "--config", config, "--listen", "127.0.0.1:0", "--frames-socket", "none", "--models", TestModels.Quick().Directory, "--seconds", "60");
        var url = daemon.WaitForUrl(TimeSpan.FromSeconds(15));
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        var hold = await Hold(http);
        Assert.Equal("10", hold.GetProperty("target").GetString());
        Assert.Equal(10, hold.GetProperty("targetFps").GetDouble());
        Assert.Equal(40, hold.GetProperty("budgetMs").GetDouble());

        File.WriteAllText(config, """{"target_fps": "max"}""");
        daemon.Hangup();
        daemon.WaitForLog($"reload rejected, keeping the running configuration: {config}: \"target_fps\": \"max\" is not a frame rate", TimeSpan.FromSeconds(10));
        Assert.Equal("10", (await Hold(http)).GetProperty("target").GetString());

        File.WriteAllText(config, """{"target_fps": "off"}""");
        daemon.Hangup();
        daemon.WaitForLog("reload: target fps off, latency budget auto", TimeSpan.FromSeconds(10));
        var until = DateTime.UtcNow.AddSeconds(10);
        while ((await Hold(http)).GetProperty("target").GetString() != "off")
        {
            Assert.True(DateTime.UtcNow < until, "the new target never showed in /state");
            await Task.Delay(50);
        }
        hold = await Hold(http);
        Assert.Equal(0, hold.GetProperty("budgetMs").GetDouble());
        Assert.False(hold.GetProperty("holding").GetBoolean());
        // The upscaler stayed: a new target is not a new engine.
        Assert.DoesNotContain("now upscaling with", daemon.Stderr);
        string metrics = await http.GetStringAsync("metrics");
        Assert.Contains("classsr_hold_target_fps 0", metrics);
        daemon.Terminate();
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(10)), daemon.Stderr);
    }
}
