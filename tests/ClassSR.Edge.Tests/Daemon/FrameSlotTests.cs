using ClassSR.Edge.Daemon.Pipeline;
using Xunit;

namespace ClassSR.Edge.Tests.Daemon;

public class FrameSlotTests
{
    sealed class Box
    {
        public long Value;
    }

    [Fact]
    public void The_newest_frame_wins_and_replaced_frames_are_counted()
    {
        var spare = new Box();
        var slot = new FrameSlot<Box>(spare);
        var producer = new Box();
        var consumer = new Box();
        var all = new HashSet<Box>(ReferenceEqualityComparer.Instance) { spare, producer, consumer };
        for (int i = 1; i <= 3; i++)
        {
            producer.Value = i;
            slot.Publish(ref producer);
            Assert.Contains(producer, all); // buffers circulate; none is made
        }
        Assert.True(slot.TryTake(ref consumer, 0));
        Assert.Equal(3, consumer.Value);
        Assert.Equal(2, slot.Dropped);
        Assert.Equal(3, slot.Published);
        Assert.False(slot.TryTake(ref consumer, 0)); // nothing newer
        Assert.NotSame(producer, consumer);
        Assert.Contains(consumer, all);
    }

    [Fact]
    public void Close_wakes_a_waiting_consumer()
    {
        var slot = new FrameSlot<Box>(new Box());
        var consumer = new Box();
        bool? took = null;
        var waiting = new Thread(() => took = slot.TryTake(ref consumer));
        waiting.Start();
        Thread.Sleep(50);
        Assert.True(waiting.IsAlive);
        slot.Close();
        Assert.True(waiting.Join(2000));
        Assert.False(took);
    }

    [Fact]
    public void A_slow_consumer_sees_increasing_frames_and_every_frame_is_taken_or_dropped()
    {
        var slot = new FrameSlot<Box>(new Box());
        const int Count = 20_000;
        var producer = new Thread(() =>
        {
            var p = new Box();
            for (int i = 1; i <= Count; i++)
            {
                p.Value = i;
                slot.Publish(ref p);
            }
            slot.Close();
        });
        producer.Start();
        var c = new Box();
        long last = 0, taken = 0;
        while (slot.TryTake(ref c))
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
    }
}
