using ClassSR.Edge.Daemon.Pipeline;
using Xunit;

namespace ClassSR.Edge.Tests.Pipeline;

public class FrameSlotLosslessTests
{
    [Fact]
    public void A_lossless_slot_hands_over_every_frame_to_a_slow_consumer()
    {
        var slot = new FrameSlot<int[]> { Lossless = true };
        var seen = new List<int>();
        var consumer = new Thread(() =>
        {
            while (slot.TryTake(out var item))
            {
                Thread.Sleep(2);
                seen.Add(item[0]);
            }
        });
        consumer.Start();
        for (int i = 1; i <= 50; i++)
            Assert.Null(slot.Publish([i]));
        slot.Close();
        Assert.True(consumer.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(Enumerable.Range(1, 50), seen);
        Assert.Equal(0, slot.Dropped);
    }

    [Fact]
    public void A_closed_lossless_slot_never_blocks_the_producer()
    {
        var slot = new FrameSlot<int[]> { Lossless = true };
        slot.Publish([1]);
        slot.Close();
        var publisher = new Thread(() => slot.Publish([2]));
        publisher.Start();
        Assert.True(publisher.Join(TimeSpan.FromSeconds(5)), "Publish waited on a closed slot");
    }
}
