using ClassSR.Edge.Daemon.Control;
using System.Net.Sockets;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Daemon.Sources;
using Xunit;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Sinks;

namespace ClassSR.Edge.Tests.Pipeline;

/// <summary>
/// One frame, many readers: between capture and the last sink a frame is written once per stage and then shared by
/// reference. Counted on the pipeline's own rings with the common set of readers, one MJPEG client and one raw-frame
/// client at once.
/// </summary>
public class FrameOwnershipTests
{
    [Fact]
    public async Task One_http_stream_client_and_one_socket_client_read_the_same_frames_without_copies()
    {
        string path = Path.Combine(TestImages.TemporaryDirectory(), "frames.sock");
        var socketSink = new FrameSocketSink(path, new Log(TextWriter.Null));
        socketSink.Bind();
        await using var served = await ServedPipeline.StartAsync(new SyntheticSource(fps: 60, width: 96, height: 64), extra: socketSink);
        var pipeline = served.Pipeline;
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            await using var stream = await client.GetStreamAsync(new Uri(served.Url, "stream"));
            using var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            raw.Connect(new UnixDomainSocketEndPoint(path));
            // Both clients read as fast as frames come, on their own threads.
            long rawBytes = 0, httpBytes = 0;
            using var reading = new CancellationTokenSource();
            var rawReader = Task.Run(() =>
            {
                var buffer = new byte[1 << 16];
                while (!reading.IsCancellationRequested)
                {
                    int n = raw.Receive(buffer);
                    if (n <= 0) break;
                    Interlocked.Add(ref rawBytes, n);
                }
            });
            var httpReader = Task.Run(async () =>
            {
                var buffer = new byte[1 << 16];
                while (!reading.IsCancellationRequested)
                {
                    int n = await stream.ReadAsync(buffer, reading.Token);
                    if (n <= 0) break;
                    Interlocked.Add(ref httpBytes, n);
                }
            });

            Poll.Until(() => socketSink.Clients.Count == 1 && served.Mjpeg.Exchange.HasClients && pipeline.ProcessedFrames > 20, "both clients reading");
            var captured = pipeline.CapturedFrames;
            var upscaled = pipeline.UpscaledFrames;
            long copies0 = captured.Copies + upscaled.Copies, made0 = captured.Allocations + upscaled.Allocations;
            long live0 = captured.Live + upscaled.Live, letGo0 = captured.Released + upscaled.Released;
            long frames0 = pipeline.ProcessedFrames, sent0 = socketSink.Clients[0].Sent;
            Poll.Until(() => pipeline.ProcessedFrames - frames0 >= 60 && socketSink.Clients[0].Sent - sent0 >= 30, "60 more frames");
            long frames = pipeline.ProcessedFrames - frames0;
            long copies = captured.Copies + upscaled.Copies - copies0;

            // At most once between capture and the last sink, as promised; here not at all.
            Assert.True(copies <= frames, $"{copies} copies in {frames} frames");
            Assert.Equal(0, copies);
            // The steady state makes no frame it then throws away: the rings' frames circulate. A ring may still grow
            // to the readers' peak (two readers' timing can pin one more frame at some moment), but whatever it made
            // is still there and nothing was let go.
            Assert.Equal(letGo0, captured.Released + upscaled.Released);
            Assert.Equal(captured.Allocations + upscaled.Allocations - made0, captured.Live + upscaled.Live - live0);
            Assert.True(upscaled.Live <= 2 + 2 * 2 + 2 + FrameRing.DefaultSpares, upscaled.ToString());
            Assert.True(Interlocked.Read(ref rawBytes) > 0 && Interlocked.Read(ref httpBytes) > 0);
            reading.Cancel();
            raw.Shutdown(SocketShutdown.Both);
        }
    }

    [Fact]
    public void A_frame_goes_back_to_its_ring_with_its_last_reference_and_takes_its_source_with_it()
    {
        var captured = new FrameRing("captured");
        var upscaled = new FrameRing("upscaled");
        var lr = captured.Rent();
        lr.EnsureSize(8, 8);
        var hr = upscaled.Rent();
        hr.AttachSource(lr);
        lr.Release(); // the capture side is done with it; the upscaled frame still refers to it
        Assert.Equal(1, captured.InUse);
        Assert.Same(lr.Image, hr.Source);

        hr.AddReference(); // a sink keeps it
        hr.Release();
        Assert.Equal(1, upscaled.InUse);
        hr.Release(); // the last reader
        Assert.Equal(0, upscaled.InUse);
        Assert.Equal(0, captured.InUse);
        Assert.Null(hr.Source);

        // Lent again, the same frames come back: nothing is made.
        Assert.Same(lr, captured.Rent());
        Assert.Same(hr, upscaled.Rent());
        Assert.Equal(1, captured.Allocations);
        Assert.Throws<InvalidOperationException>(() => { var f = captured.Rent(); f.Release(); f.AddReference(); });
    }

    [Fact]
    public void The_ring_keeps_its_peak_while_it_is_used_and_lets_idle_frames_go_after_a_window()
    {
        var ring = new FrameRing("upscaled", spares: 2, decayWindow: TimeSpan.FromMilliseconds(50));
        var lent = Enumerable.Range(0, 6).Select(_ => ring.Rent()).ToList();
        Assert.Equal(6, ring.Live);
        foreach (var f in lent)
            f.Release();
        // Back in the ring, all six are kept: the next burst of readers finds them.
        Assert.Equal(6, ring.Live);
        Assert.Equal(0, ring.InUse);
        lent = Enumerable.Range(0, 6).Select(_ => ring.Rent()).ToList();
        Assert.Equal(6, ring.Allocations);
        foreach (var f in lent)
            f.Release();

        // Used one at a time for a few windows: what lay idle all through a window beyond the spares goes.
        for (int i = 0; i < 4; i++)
        {
            Thread.Sleep(80);
            ring.Rent().Release();
        }
        Assert.Equal(1 + 2, ring.Live);
        Assert.Equal(3, ring.Released);
        Assert.Equal(6, ring.Allocations);
    }

    [Fact]
    public void A_departed_client_starts_a_short_window_and_trim_lets_go_at_once()
    {
        var ring = new FrameRing("upscaled", spares: 1, decayWindow: TimeSpan.FromHours(1));
        var lent = Enumerable.Range(0, 5).Select(_ => ring.Rent()).ToList();
        foreach (var f in lent)
            f.Release();
        ring.Rent().Release();
        Assert.Equal(5, ring.Live); // an hour's window: nothing goes yet

        Ring.ClientLeft();
        // The next rent sees the departure and starts the short window (other tests' clients may start it again).
        var wait = System.Diagnostics.Stopwatch.StartNew();
        while (ring.Live > 1 + 1 && wait.Elapsed < TimeSpan.FromSeconds(20))
        {
            ring.Rent().Release();
            Thread.Sleep(50);
        }
        Assert.True(wait.Elapsed >= Ring.DepartureWindow * 0.9, $"let go after {wait.Elapsed}");
        Assert.True(ring.Live <= 1 + 1, ring.ToString()); // the one in use a moment ago, and the spare

        var again = Enumerable.Range(0, 4).Select(_ => ring.Rent()).ToList();
        foreach (var f in again)
            f.Release();
        ring.Trim();
        Assert.Equal(1, ring.Live);
        Assert.Equal(0, ring.InUse);
    }
}
