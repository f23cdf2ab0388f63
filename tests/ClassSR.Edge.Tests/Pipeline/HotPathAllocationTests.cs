using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Imaging;
using Xunit;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Sources;

namespace ClassSR.Edge.Tests.Pipeline;

/// <summary>The per-frame work of the capture side must not allocate: a board's GC pauses would show as dropped frames.</summary>
public class HotPathAllocationTests
{
    [Fact]
    public void Reading_y4m_and_synthetic_frames_and_passing_them_on_allocates_nothing()
    {
        string path = new Y4mFile(64, 48, "100000:1").Frame(1).Frame(2, truncateTo: 10).Frame(3).Frame(4, marker: "FRAMZ\n").Frame(5)
            .Save(TestImages.TemporaryDirectory());
        using var y4m = new Y4mSource(path, loop: true);
        y4m.Open();
        var ring = new FrameRing("captured");
        var slot = new FrameSlot<PipelineFrame>();
        var rate = new RateMeter();
        Assert.Equal(0, Allocations.Steady(() =>
        {
            var frame = ring.Rent();
            frame.EnsureSize(64, 48);
            Assert.True(y4m.Read(frame.Image, out long ticks, CancellationToken.None));
            rate.Mark(ticks);
            slot.Publish(frame)?.Release();
            if (slot.TryTake(out var taken, 0))
                taken.Release();
        }, 40));
        Assert.Equal(1, ring.Allocations); // one frame, lent and returned forty times
        Assert.True(y4m.CorruptFrames >= 2);

        using var synthetic = new SyntheticSource(fps: 100_000);
        synthetic.Open();
        var image = new YuvFrame(synthetic.Width, synthetic.Height);
        Assert.Equal(0, Allocations.Steady(() => synthetic.Read(image, out _, CancellationToken.None), 10));
    }
}
