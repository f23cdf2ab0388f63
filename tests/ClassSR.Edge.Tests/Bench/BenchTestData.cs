using ClassSR.Edge.IO.Gpio;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Bench;
using ClassSR.Edge.IO.Thermal;
using ClassSR.Edge.IO.Power;
using ClassSR.Edge.IO.Power.Ina219;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Sources;

namespace ClassSR.Edge.Tests.Bench;

internal static class BenchTestData
{
    /// <summary>
    /// |expected - actual| within <paramref name="tolerance"/>: report figures are rounded, and Assert.Equal's
    /// decimal precision rounds both sides, which fails when they straddle a rounding boundary.
    /// </summary>
    public static void Close(double expected, double actual, double tolerance) =>
        Xunit.Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected} +- {tolerance}, got {actual}");

    /// <summary>A y4m of <paramref name="frames"/> different synthetic pictures, big enough to downscale x4 for ground truth.</summary>
    public static string Y4m(string dir, int frames = 4, int w = 128, int h = 96)
    {
        var file = new Y4mFile(w, h, "30:1");
        for (int i = 0; i < frames; i++)
        {
            var f = new YuvFrame(w, h);
            ColorConvert.RgbToYuv(TestImages.Synthetic(w, h, seed: 7 * i), w, h, f);
            file.Frame(f);
        }
        return file.Save(dir, "bench.y4m");
    }

    /// <summary>An INA219 twin whose registers say 40 mV across 0.1 ohm at 5 V: a board drawing exactly 2 W.</summary>
    public static PowerChoice TwoWatts()
    {
        var chip = new SimulatedInaChip(Ina219Sensor.Datasheet);
        var sensor = new Ina219Sensor(chip, 0.1, 3.2, simulated: true);
        chip[Ina219Registers.ShuntVoltage] = 0x0FA0;
        chip[Ina219Registers.BusVoltage] = 1250 << 3;
        return new PowerChoice(sensor, null);
    }

    public static BenchResult Run(string source, PowerChoice power, IMarkerPin? marker = null, string modes = "bicubic,small", bool groundTruth = true,
        bool reuse = false)
    {
        var models = TestModels.Quick();
        var options = new BenchOptions
        {
            Source = source,
            GroundTruth = groundTruth,
            Seconds = 0.6,
            WarmupSeconds = 0.2,
            IdleSeconds = 0.3,
            QualityFrames = 2,
            Modes = BenchMode.Parse(modes),
            Threads = 2,
            Models = models.Directory,
        };
        var runner = new BenchRunner(options, m => new Upscaler(models, new EngineOptions { Mode = m.Mode, Precision = m.Precision, Threads = 2, Reuse = reuse }),
            power, marker, new SystemProbe(TestImages.TemporaryDirectory(), (_, _) => null), new Log(TextWriter.Null));
        return runner.Run();
    }
}

/// <summary>
/// Bench and power-sampling tests keep every core busy or time themselves; run apart from the rest so they
/// neither slow the timing-sensitive daemon tests nor get slowed by them.
/// </summary>
[Xunit.CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchCollection
{
    public const string Name = "bench (runs alone)";
}
