using ClassSR.Edge.Daemon.Sinks;
using Xunit;

namespace ClassSR.Edge.Tests.Sinks;

public class JpegExchangeTests
{
    [Fact]
    public void A_client_stuck_in_a_write_counts_the_frames_published_meanwhile_as_skipped()
    {
        var exchange = new JpegExchange();
        var client = exchange.Register("test");
        Assert.Equal(0, client.SkippedNow(exchange.Sequence));
        // The client took frame 1 and is stuck writing it while 9 more are published.
        exchange.Publish(exchange.Rent());
        var taken = exchange.Acquire()!;
        client.LastSequence = taken.Sequence;
        for (int i = 0; i < 9; i++)
            exchange.Publish(exchange.Rent());
        // Frame 10 is the one it will take next; 2..9 are lost to it already.
        Assert.Equal(8, client.SkippedNow(exchange.Sequence));
        exchange.Release(taken);
        exchange.Unregister(client);
    }

    [Fact]
    public void The_pool_grown_for_stalled_clients_keeps_its_peak_while_they_stay_and_shrinks_back_when_they_leave()
    {
        var exchange = new JpegExchange(decayWindow: TimeSpan.FromHours(1));
        var clients = Enumerable.Range(0, 10).Select(i => exchange.Register($"c{i}")).ToList();
        // Each client stuck writing a different frame: the pool grows to one per client, plus the newest.
        void Burst()
        {
            var held = new List<EncodedFrame>();
            foreach (var _ in clients)
            {
                exchange.Publish(exchange.Rent());
                held.Add(exchange.Acquire()!);
            }
            foreach (var f in held)
                exchange.Release(f);
        }
        Burst();
        long made = exchange.FramesMade;
        Assert.True(exchange.PooledFrames >= 9, $"{exchange.PooledFrames} pooled");
        // The clients' timing swings again: the frames kept serve it, none is made again.
        Burst();
        Assert.Equal(made, exchange.FramesMade);

        foreach (var c in clients)
            exchange.Unregister(c);
        Assert.True(exchange.PooledFrames >= 9, "let go before any window passed");
        // The departures start the short window; the encoder's next frames find it over and the ring lets go of what
        // lay idle beyond its spares (other tests' departures may start the window again).
        var wait = System.Diagnostics.Stopwatch.StartNew();
        // What stays: the newest, the one the encoder takes next, and the spares.
        while (exchange.LiveFrames > JpegExchange.Spares + 2 && wait.Elapsed < TimeSpan.FromSeconds(20))
        {
            exchange.Publish(exchange.Rent());
            Thread.Sleep(50);
        }
        Assert.True(exchange.LiveFrames <= JpegExchange.Spares + 2, $"{exchange.LiveFrames} frames after {wait.Elapsed}");

        exchange.DropPooled();
        Assert.Equal(0, exchange.PooledFrames);
        Assert.NotNull(exchange.Acquire()); // the newest stays, for a snapshot
    }
}
