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
}
