using System.Text.Json;
using ClassSR.Edge.Bench;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Bench;

[Collection(BenchCollection.Name)]
public class BenchCliTests
{
    static string[] Short(string source, string outDir, string modes) =>
        ["bench", "--source", source, "--hr", "--seconds", "0.5", "--warmup", "0.2", "--idle", "0.2", "--quality-frames", "1",
         "--modes", modes, "--models", TestModels.Quick().Directory, "--threads", "2", "--out", outDir];

    [Fact]
    public void Bench_writes_json_csv_and_html_and_names_the_missing_sensor_or_the_one_it_read()
    {
        string dir = TestImages.TemporaryDirectory(), y4m = BenchTestData.Y4m(dir);
        string none = Path.Combine(dir, "none"), sim = Path.Combine(dir, "sim"), emptySys = Path.Combine(dir, "emptysys");
        Directory.CreateDirectory(emptySys);
        // A power supply reporting 4 W through sysfs, as a laptop's battery does: the real sensor code on files.
        string supplySys = Path.Combine(dir, "supplysys"), bat = Path.Combine(supplySys, "sys/class/power_supply/BAT0");
        Directory.CreateDirectory(bat);
        File.WriteAllText(Path.Combine(bat, "power_now"), "4000000\n");

        // Auto-detection on a machine without sensors (an empty sysfs root here, no vcgencmd): null energy and why.
        var a = CliRunner.Jit([.. Short(y4m, none, "bicubic,classsr-int8"), "--power", "auto", "--sysfs-root", emptySys]);
        Assert.True(a.ExitCode == 0, a.Stderr);
        Assert.Contains("energy not measured: no power sensor found", a.Stdout);
        foreach (var f in new[] { "bench.json", "bench.csv", "bench.html" })
            Assert.True(new FileInfo(Path.Combine(none, f)).Length > 100, f);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(none, "bench.json"))))
        {
            var modes = doc.RootElement.GetProperty("modes");
            Assert.Equal(2, modes.GetArrayLength());
            foreach (var m in modes.EnumerateArray())
            {
                Assert.Equal(JsonValueKind.Null, m.GetProperty("energy").ValueKind);
                Assert.StartsWith("no power sensor found", m.GetProperty("energy_missing").GetString());
                Assert.True(m.GetProperty("fps").GetDouble() > 0);
            }
        }

        // A sensor named on the command line: energy per frame from what it read.
        var b = CliRunner.Jit([.. Short(y4m, sim, "bicubic,classsr-int8"), "--power", "power-supply", "--sysfs-root", supplySys]);
        Assert.True(b.ExitCode == 0, b.Stderr);
        var report = BenchReportFile.Load(Path.Combine(sim, "bench.json"));
        Assert.False(report.Power.Simulated);
        Assert.StartsWith("power_supply (BAT0)", report.Power.Sensor);
        foreach (var m in report.Modes)
        {
            Assert.NotNull(m.Energy);
            BenchTestData.Close(4.0, m.Energy.MeanWatts, 0.01);
            BenchTestData.Close(m.Energy.MeanWatts / m.Fps * 1000, m.Energy.MjPerFrame, 0.01 * m.Energy.MjPerFrame);
        }
        Assert.DoesNotContain("(SIMULATED)", b.Stdout);

        var c = CliRunner.Jit("bench", "--compare", Path.Combine(none, "bench.json"), Path.Combine(sim, "bench.json"));
        Assert.True(c.ExitCode == 0, c.Stderr);
        Assert.Contains("classsr-int8", c.Stdout);
        Assert.Contains("%", c.Stdout);
    }

    [Theory]
    [InlineData("--modes", "turbo", "--modes: 'turbo' is not one of bicubic,small")]
    [InlineData("--power", "tplink", "--power: 'tplink' is not one of auto, none")]
    [InlineData("--power", "ina219:1:0x40", "is not ina219:BUS:ADDR:OHMS:AMPS")]
    [InlineData("--seconds", "0", "--seconds 0 is not positive")]
    [InlineData("--marker-pin", "x", "--marker-pin x is not a GPIO line number")]
    public void Bad_bench_options_fail_with_one_line(string flag, string value, string message)
    {
        var r = CliRunner.Jit("bench", "--models", TestModels.Quick().Directory, flag, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains(message, r.Stderr);
    }
}
