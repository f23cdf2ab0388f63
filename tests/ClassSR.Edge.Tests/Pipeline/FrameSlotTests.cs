using ClassSR.Edge.Daemon.Pipeline;
using Xunit;

namespace ClassSR.Edge.Tests.Pipeline;

public class FrameSlotTests
{
    sealed class Box(long value)
    {
        public readonly long Value = value;
    }

    [Fact]
    public void The_newest_frame_wins_and_the_replaced_frames_come_back_to_the_producer()
    {
        var slot = new FrameSlot<Box>();
        var boxes = new[] { new Box(1), new Box(2), new Box(3) };
        Assert.Null(slot.Publish(boxes[0]));
        Assert.Same(boxes[0], slot.Publish(boxes[1])); // unseen, handed back for the producer to release
        Assert.Same(boxes[1], slot.Publish(boxes[2]));
        Assert.True(slot.TryTake(out var taken, 0));
        Assert.Same(boxes[2], taken); // the very object published: nothing is copied
        Assert.Equal(2, slot.Dropped);
        Assert.Equal(3, slot.Published);
        Assert.False(slot.TryTake(out _, 0)); // nothing newer
        Assert.Null(slot.Publish(new Box(4))); // a taken frame is the consumer's, never handed back
    }

    [Fact]
    public void Close_wakes_a_waiting_consumer()
    {
        var slot = new FrameSlot<Box>();
        bool? took = null;
        var waiting = new Thread(() => took = slot.TryTake(out _));
        waiting.Start();
        Thread.Sleep(50);
        Assert.True(waiting.IsAlive);
        slot.Close();
        Assert.True(waiting.Join(2000));
        Assert.False(took);
    }

    [Fact]
    public void A_slow_consumer_sees_increasing_frames_and_every_frame_is_taken_or_handed_back()
    {
        var slot = new FrameSlot<Box>();
        const int Count = 20_000;
        long handedBack = 0;
        var producer = new Thread(() =>
        {
            for (int i = 1; i <= Count; i++)
                if (slot.Publish(new Box(i)) != null)
                    handedBack++;
            slot.Close();
        });
        producer.Start();
        long last = 0, taken = 0;
        while (slot.TryTake(out var c))
        {
            Assert.True(c.Value > last, $"{c.Value} after {last}");
            last = c.Value;
            taken++;
            if (taken % 100 == 0)
                Thread.SpinWait(5000);
        }
        Assert.True(producer.Join(10_000));
        Assert.Equal(Count, last); // the final frame is never lost
        Assert.Equal(Count, taken + slot.Dropped);
        Assert.Equal(slot.Dropped, handedBack);
    }
}
