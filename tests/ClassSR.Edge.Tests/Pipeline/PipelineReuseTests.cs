using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;
using Xunit;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Sinks;

namespace ClassSR.Edge.Tests.Pipeline;

/// <summary>The pipeline's part in temporal reuse: what the engine cached never outlives the stream it came from.</summary>
public class PipelineReuseTests
{
    sealed class Recorder() : FrameSink("recorder")
    {
        readonly Lock _gate = new();
        public readonly List<(bool NoSignal, bool Reset, int Reused)> Frames = [];

        protected override void Consume(PipelineFrame frame)
        {
            lock (_gate)
                Frames.Add((frame.NoSignal, frame.Stats.CacheReset, frame.Stats.ReusedCells));
        }

        public List<(bool NoSignal, bool Reset, int Reused)> Snapshot()
        {
            lock (_gate)
                return [.. Frames];
        }
    }

    [Fact]
    public void A_reopened_source_and_the_no_signal_card_are_computed_in_full_and_reuse_resumes()
    {
        var source = new UnpluggableSource(still: true);
        using var up = new Upscaler(TestModels.Quick(), new EngineOptions
        {
            Mode = UpscaleMode.Large, Precision = Precision.Int8, Reuse = true, MeasureCosts = false, Threads = 1,
        });
        var sink = new Recorder { Lossless = true };
        using var pipeline = new FramePipeline(source, up, [sink], new Log(TextWriter.Null));
        pipeline.Start();
        Poll.Until(() => sink.Snapshot().Count(f => f.Reused > 0) >= 5, "reused frames");
        Assert.True(pipeline.Snapshot().Reuse!.Enabled);
        Assert.True(pipeline.Snapshot().Reuse!.CellsReusedMean > 0);
        source.Plugged = false;
        Poll.Until(() => sink.Snapshot().Any(f => f.NoSignal), "the NO SIGNAL card");
        source.Plugged = true;
        Poll.Until(() => sink.Snapshot().SkipWhile(f => !f.NoSignal).Count(f => !f.NoSignal && f.Reused > 0) >= 3, "reuse after the reopen");
        pipeline.Stop(TimeSpan.FromSeconds(2));

        var frames = sink.Snapshot();
        Assert.True(frames[0].Reset, "the first frame is computed in full");
        Assert.All(frames.Where(f => f.NoSignal), f => Assert.True(f.Reset, "a NO SIGNAL card reused cells of the live picture"));
        int back = frames.FindLastIndex(f => f.NoSignal) + 1;
        Assert.True(frames[back].Reset, "the first frame after the reopen reused cells cached before the camera went");
        Assert.Equal(0, frames[back].Reused);
        Assert.True(pipeline.Snapshot().Reuse!.CacheResets >= 3);
    }
}
