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
    public void The_pool_grown_for_stalled_clients_shrinks_back_when_they_leave()
    {
        var exchange = new JpegExchange();
        var clients = Enumerable.Range(0, 10).Select(i => exchange.Register($"c{i}")).ToList();
        var held = new List<EncodedFrame>();
        // Each client stuck writing a different frame: the pool grows to one per client, plus the newest.
        foreach (var _ in clients)
        {
            exchange.Publish(exchange.Rent());
            held.Add(exchange.Acquire()!);
        }
        foreach (var f in held)
            exchange.Release(f);
        Assert.True(exchange.PooledFrames >= 9, $"{exchange.PooledFrames} pooled");
        foreach (var c in clients.Skip(2))
            exchange.Unregister(c);
        Assert.Equal(2 + 2, exchange.PooledFrames);
        foreach (var c in clients.Take(2))
            exchange.Unregister(c);
        Assert.Equal(2, exchange.PooledFrames);
    }
}
