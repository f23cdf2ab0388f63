using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;
using Xunit;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Sinks;

namespace ClassSR.Edge.Tests.Pipeline;

/// <summary>The frame-budget controller in the running pipeline: options applied between frames, state and metrics.</summary>
public class PipelineBudgetTests
{
    sealed class Levels() : FrameSink("levels")
    {
        readonly Lock _gate = new();
        readonly List<int> _levels = [];

        protected override void Consume(PipelineFrame frame)
        {
            lock (_gate)
                _levels.Add(frame.HoldLevel);
        }

        public List<int> Snapshot()
        {
            lock (_gate)
                return [.. _levels];
        }
    }

    [Fact]
    public void A_changed_target_applies_between_frames_and_the_state_says_why_it_holds()
    {
        using var up = new Upscaler(TestModels.Quick(), new EngineOptions
        {
            Mode = UpscaleMode.ClassSR, Precision = Precision.Int8, Reuse = true, MeasureCosts = false, Threads = 1,
        });
        var sink = new Levels { Lossless = true };
        using var pipeline = new FramePipeline(new UnpluggableSource(), up, [sink], new Log(TextWriter.Null));
        pipeline.Start();
        Poll.Until(() => sink.Snapshot().Count >= 5, "frames at full quality", 20);
        Assert.All(sink.Snapshot(), l => Assert.Equal(0, l));
        Assert.Equal("off", pipeline.Snapshot().Hold!.Target);

        // A budget no frame can meet: every frame is late and the dial turns, a level at a time, to its cheapest.
        pipeline.Budget = new BudgetOptions { TargetFps = 50, LatencyBudgetMs = 0.001 };
        Poll.Until(() => pipeline.Snapshot().Hold!.Holding, "holding", 20);
        var hold = pipeline.Snapshot().Hold!;
        Assert.Equal("50", hold.Target);
        Assert.Equal(50, hold.TargetFps);
        Assert.Equal(0.001, hold.BudgetMs);
        Assert.True(hold.LateFrames > 0);
        Assert.True(hold.MaxLevel > 1);
        Poll.Until(() => pipeline.Snapshot().Hold!.Cause is { } c && c != "reading", "the cause", 20);
        string metrics = ClassSR.Edge.Daemon.Control.PrometheusText.Format(pipeline.Snapshot());
        Assert.Contains("classsr_hold_active 1", metrics);
        Assert.Contains("classsr_hold_target_fps 50", metrics);

        pipeline.Budget = BudgetOptions.Off;
        int before = sink.Snapshot().Count;
        Poll.Until(() => sink.Snapshot().Count >= before + 5, "frames after the change", 20);
        pipeline.Stop(TimeSpan.FromSeconds(2));
        var levels = sink.Snapshot();
        // Never more than one level a frame, and back at full quality at once when the target is switched off.
        for (int i = 1; i < levels.Count; i++)
            Assert.InRange(levels[i] - levels[i - 1], -levels[i - 1], 1);
        Assert.Contains(levels, l => l > 1);
        Assert.Equal(0, levels[^1]);
        Assert.False(pipeline.Snapshot().Hold!.Holding);
    }
}
