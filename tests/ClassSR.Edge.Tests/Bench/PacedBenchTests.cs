using ClassSR.Edge.Daemon;
using ClassSR.Edge.Bench;
using ClassSR.Edge.IO.Thermal;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Engine;
using Xunit;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Bench;

/// <summary>bench --paced: a file played at its own rate, each mode with the controller off and on, a competing load.</summary>
[Collection(BenchCollection.Name)]
public class PacedBenchTests
{
    [Fact]
    public void A_paced_run_reports_delivery_and_quality_per_phase_with_the_controller_off_and_on()
    {
        string dir = TestImages.TemporaryDirectory();
        var models = TestModels.Quick();
        var options = new BenchOptions
        {
            Source = BenchTestData.Y4m(dir, frames: 6),
            GroundTruth = true,
            Paced = true,
            Budget = new BudgetOptions(),
            Load = (0.3, 0.6),
            Seconds = 1.2,
            WarmupSeconds = 0.2,
            IdleSeconds = 0,
            QualityFrames = 2,
            Modes = BenchMode.Parse("classsr-int8"),
            Threads = 1,
            Models = models.Directory,
        };
        var runner = new BenchRunner(options, m => new Upscaler(models, new EngineOptions { Mode = m.Mode, Precision = m.Precision, Threads = 1, Reuse = true, MeasureCosts = false }),
            new ClassSR.Edge.IO.Power.PowerChoice(null, "none"), null, new SystemProbe(TestImages.TemporaryDirectory(), (_, _) => null), new Log(TextWriter.Null));
        var r = runner.Run().Report;
        Assert.Equal(["classsr-int8", "classsr-int8+hold"], r.Modes.Select(m => m.Name));
        foreach (var m in r.Modes)
        {
            var p = m.Paced!;
            Assert.Equal(m.Name.EndsWith("+hold", StringComparison.Ordinal), p.Hold);
            Assert.Equal(30, p.SourceFps);
            // Played at 30 fps for 1.2 s, not as fast as the pipeline goes.
            Assert.InRange(p.SourceFrames, 30, 42);
            Assert.InRange(p.Delivered, 1, p.SourceFrames + 1);
            Assert.Equal(m.Frames, p.Delivered);
            Assert.Equal((0.3, 0.6), (p.LoadStartS!.Value, p.LoadEndS!.Value));
            Assert.InRange(p.PsnrY!.Value, 15, 60);
            Assert.NotNull(p.PsnrYBefore);
            Assert.NotNull(p.PsnrYDuring);
            Assert.Null(p.PsnrYAfter); // the window ends before 3 s after the load
            Assert.Null(m.QualityMissing);
        }
        // The budget is the source's interval's share with the controller on; nothing with it off.
        Assert.Equal(0, r.Modes[0].Paced!.BudgetMs);
        Assert.Equal(Math.Round(1000 / 30.0 * BudgetOptions.BudgetShare, 3), r.Modes[1].Paced!.BudgetMs);
    }
}
