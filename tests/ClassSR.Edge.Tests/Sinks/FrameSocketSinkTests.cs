using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using Xunit;
using ClassSR.Edge.Tests.Daemon;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Sinks;

public class FrameSocketSinkTests
{
    const int W = 64, H = 48;
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Keeps a copy of every frame the pipeline hands out, by sequence, to compare the socket's against.</summary>
    sealed class RecordingSink() : FrameSink("record")
    {
        public readonly ConcurrentDictionary<long, byte[]> Frames = new();

        protected override void Consume(PipelineFrame frame) =>
            Frames[frame.Sequence] = [.. frame.Image.Y, .. frame.Image.U, .. frame.Image.V];
    }

    sealed class Running : IDisposable
    {
        public readonly FrameSocketSink Socket;
        public readonly RecordingSink Record = new();
        readonly RunningPipeline _pipeline;

        public Running(string path, double fps = 60)
        {
            Socket = new FrameSocketSink(path, new Log(TextWriter.Null));
            Socket.Bind();
            _pipeline = new RunningPipeline(W, H, fps, Socket, Record);
        }

        public TimeSpan Stop() => _pipeline.Stop();

        public void Dispose() => _pipeline.Dispose();
    }

    static string SocketPath() => Path.Combine(TestImages.TemporaryDirectory(), "frames.sock");

    static Socket Connect(string path, int receiveBuffer = 0)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        if (receiveBuffer > 0)
            s.ReceiveBufferSize = receiveBuffer;
        s.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        s.Connect(new UnixDomainSocketEndPoint(path));
        return s;
    }

    static void ReadExactly(Socket s, Span<byte> into)
    {
        while (!into.IsEmpty)
        {
            int n = s.Receive(into);
            Assert.True(n > 0, "the daemon closed the socket");
            into = into[n..];
        }
    }

    /// <summary>One message, parsed at the offsets README.md documents (not through the writer's own constants).</summary>
    static (uint Width, uint Height, uint Format, uint Flags, long Timestamp, long Sequence, byte[] Payload) Read(Socket s)
    {
        var h = new byte[48];
        ReadExactly(s, h);
        Assert.Equal("CSRF"u8.ToArray(), h[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(4)));
        Assert.Equal(48, BinaryPrimitives.ReadUInt16LittleEndian(h.AsSpan(6)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(44)));
        var payload = new byte[BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(40))];
        ReadExactly(s, payload);
        return (BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(8)), BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(12)),
            BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(16)), BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(20)),
            BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(24)), BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(32)), payload);
    }

    [Fact]
    public void A_client_reads_headers_and_payloads_equal_to_the_pipeline_frames()
    {
        string path = SocketPath();
        using var run = new Running(path);
        using var client = Connect(path);
        long lastSequence = 0, lastTimestamp = 0;
        int compared = 0;
        for (int i = 0; i < 12; i++)
        {
            var f = Read(client);
            Assert.Equal(((uint)W * 4, (uint)H * 4, 1u, 0u), (f.Width, f.Height, f.Format, f.Flags));
            Assert.Equal(W * 4 * H * 4 * 3 / 2, f.Payload.Length);
            Assert.True(f.Sequence > lastSequence);
            Assert.True(f.Timestamp > lastTimestamp);
            // CLOCK_MONOTONIC nanoseconds: within a minute of now on the same clock.
            Assert.InRange(Stopwatch.GetTimestamp() - f.Timestamp, 0, 60_000_000_000);
            (lastSequence, lastTimestamp) = (f.Sequence, f.Timestamp);
            // The recording sink may have skipped this one (newest wins); it rarely does at this rate.
            var deadline = Stopwatch.StartNew();
            byte[]? expected;
            while (!run.Record.Frames.TryGetValue(f.Sequence, out expected) && deadline.Elapsed < TimeSpan.FromSeconds(1))
                Thread.Sleep(5);
            if (expected != null)
            {
                Assert.Equal(expected, f.Payload);
                compared++;
            }
        }
        Assert.True(compared >= 6, $"only {compared} frames could be compared");
    }

    [Fact]
    public void A_stalled_client_holds_up_neither_another_client_nor_the_stop_and_its_drops_are_its_own()
    {
        string path = SocketPath();
        var run = new Running(path, fps: 100);
        try
        {
            // Connects, never reads, and has room for less than one frame.
            using var stalled = Connect(path, receiveBuffer: 4096);
            using var reader = Connect(path);
            long last = 0;
            for (int i = 0; i < 40; i++)
            {
                var f = Read(reader);
                Assert.True(f.Sequence > last);
                last = f.Sequence;
            }
            // The count follows the send's return, which can come after the reader already has the bytes.
            var wait = Stopwatch.StartNew();
            while (run.Socket.Clients[1].Sent < 40 && wait.Elapsed < TimeSpan.FromSeconds(1))
                Thread.Sleep(5);
            var clients = run.Socket.Clients;
            Assert.Equal(2, clients.Count);
            var (slow, fast) = (clients[0], clients[1]);
            Assert.True(slow.Sent <= 4, $"the stalled client was sent {slow.Sent} frames");
            Assert.True(slow.Dropped >= 30, $"the stalled client dropped only {slow.Dropped}");
            Assert.True(fast.Sent >= 40);
            Assert.True(fast.Dropped < slow.Dropped);
            if (!OperatingSystem.IsWindows())
                Assert.Equal((UnixFileMode)0b110_110_000, File.GetUnixFileMode(path)); // owner and group only
        }
        finally
        {
            Assert.True(run.Stop() < TimeSpan.FromSeconds(2.5));
            run.Dispose();
        }
        Assert.False(File.Exists(path), "the socket file outlived the sink");
    }

    [Fact]
    public void Stalled_clients_hold_a_bounded_number_of_shared_frames_extra_clients_are_refused_and_a_dead_reader_is_dropped()
    {
        string path = SocketPath();
        var socket = new FrameSocketSink(path, new Log(TextWriter.Null)) { StalledClientTimeout = TimeSpan.FromSeconds(1) };
        socket.Bind();
        using var run = new RunningPipeline(W, H, 100, socket);
        var stalled = new List<Socket>();
        try
        {
            // Clients that connect one after another and never read: each may pin the frame it is stuck on.
            for (int i = 0; i < FrameSocketSink.MaxClients; i++)
            {
                stalled.Add(Connect(path, receiveBuffer: 1024));
                Thread.Sleep(20);
            }
            var wait = Stopwatch.StartNew();
            while (socket.Clients.Count < FrameSocketSink.MaxClients && wait.Elapsed < Timeout)
                Thread.Sleep(10);
            int peak = 0, peakLive = 0;
            for (int i = 0; i < 20; i++)
            {
                peak = Math.Max(peak, socket.HeldFrames);
                peakLive = Math.Max(peakLive, run.Pipeline.UpscaledFrames.Live);
                Thread.Sleep(20);
            }
            Assert.True(peak <= 2 * FrameSocketSink.MaxClients, $"{peak} frames held by {FrameSocketSink.MaxClients} stalled clients");
            // What they hold is the pipeline's own frames, shared: the ring grows by what they pin, no more.
            Assert.True(peakLive <= 2 * FrameSocketSink.MaxClients + 4, $"{peakLive} upscaled frames for {FrameSocketSink.MaxClients} stalled clients");

            // One more is refused: closed at once, and counted.
            using (var extra = Connect(path))
            {
                var buffer = new byte[64];
                Assert.Equal(0, extra.Receive(buffer));
            }
            Assert.Equal(1, socket.Refused);

            // After the stall timeout they are all gone, and the frames they pinned are back in the ring, which lets
            // them go a short window after the last client left: it keeps the pipeline's own peak (the upscaler's
            // frame, the newest in the slot, one on its way to a sink) and a spare.
            var ring = run.Pipeline.UpscaledFrames;
            const int Kept = 3 + FrameRing.DefaultSpares;
            wait.Restart();
            while ((socket.Clients.Count > 0 || socket.HeldFrames > 0 || ring.Live > Kept) && wait.Elapsed < Timeout)
                Thread.Sleep(20);
            Assert.Empty(socket.Clients);
            Assert.Equal(0, socket.HeldFrames);
            Assert.True(ring.Live <= Kept, ring.ToString());
            Assert.True(ring.Released > 0, ring.ToString());
            Assert.True(ring.InUse <= 2, ring.ToString()); // the upscaler's frame, and one on its way to a sink
        }
        finally
        {
            foreach (var s in stalled) s.Dispose();
        }
    }

    [Fact]
    public void Flags_say_full_range_and_no_signal()
    {
        string path = SocketPath();
        var source = new UnpluggableSource(ClassSR.Edge.Imaging.ColorRange.Full);
        var socket = new FrameSocketSink(path, new Log(TextWriter.Null));
        using var run = new RunningPipeline(source, socket);
        using var client = Connect(path);
        Assert.Equal(FrameHeader.FlagFullRange, Read(client).Flags);
        source.Plugged = false;
        // The pipeline shows the last picture as NO SIGNAL about once a second; frames in flight come first.
        var deadline = Stopwatch.StartNew();
        uint flags;
        do
            flags = Read(client).Flags;
        while (flags != (FrameHeader.FlagFullRange | FrameHeader.FlagNoSignal) && deadline.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(3u, flags);
    }

    [Fact]
    public void A_stale_socket_file_is_replaced_and_a_live_one_is_refused()
    {
        string path = SocketPath();
        // Bound but not listening refuses connections, as the file a killed daemon leaves behind does (.NET
        // itself unlinks the file when a socket is disposed, so closing one would not leave it).
        using var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        dead.Bind(new UnixDomainSocketEndPoint(path));
        Assert.True(File.Exists(path));
        using (var run = new Running(path))
        {
            using var client = Connect(path);
            Assert.Equal(1u, Read(client).Format);

            var second = new FrameSocketSink(path, new Log(TextWriter.Null));
            var e = Assert.Throws<IOException>(second.Bind);
            Assert.Contains("in use", e.Message);
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task The_daemon_serves_raw_frames_on_the_socket_it_is_given_and_reports_each_clients_drops()
    {
        string path = SocketPath();
        using var daemon = new DaemonProcess("--source", "synthetic", "--fps", "30", "--listen", "127.0.0.1:0", "--frames-socket", path,
            "--mode", "bicubic", "--models", TestModels.Quick().Directory, "--seconds", "60");
        var url = daemon.WaitForUrl(Timeout);
        daemon.WaitForLog("raw frames on " + path, Timeout);
        using (var stalled = Connect(path, receiveBuffer: 4096))
        using (var client = Connect(path))
        {
            var f = Read(client);
            Assert.Equal((SyntheticSource.DefaultWidth * 4u, SyntheticSource.DefaultHeight * 4u), (f.Width, f.Height));
            // 1.4 MB frames: the stalled reader's buffers fill with the first, and it misses what follows.
            Thread.Sleep(1000);
            using var http = new HttpClient { BaseAddress = url };
            using var state = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("state"));
            var drops = state.RootElement.GetProperty("drops");
            Assert.True(drops.GetProperty("socket:1").GetInt64() >= 10, drops.ToString());
            Assert.True(drops.TryGetProperty("socket:2", out _), drops.ToString());
            Assert.Contains("classsr_frames_dropped_total{stage=\"socket:1\"}", await http.GetStringAsync("metrics"));
        }
        daemon.Terminate();
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, daemon.Process.ExitCode);
        Assert.False(File.Exists(path), "the daemon left its socket file behind");
    }
}
