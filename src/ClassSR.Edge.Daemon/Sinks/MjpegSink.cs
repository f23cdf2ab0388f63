using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Unicode;
using ClassSR.Edge.Daemon.Control;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using Microsoft.AspNetCore.Http;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// MJPEG over the control server: JPEG encoding on the sink's thread, and the routes /stream (multipart MJPEG),
/// /snapshot and mjpg-streamer's ?action=stream|snapshot, each with ?view=classsr|bicubic. Every stream client runs
/// its own loop that sends the newest JPEG and skips what it missed, so a client that stops reading holds up nobody.
/// </summary>
public sealed class MjpegSink : FrameSink
{
    public const int DefaultJpegQuality = 80;
    /// <summary>/stream clients at once, both views together: half the server's connections.</summary>
    public const int MaxStreamClients = ControlServer.MaxConnections / 2;
    const string Boundary = "classsrframe";
    static readonly TimeSpan SnapshotWait = TimeSpan.FromSeconds(5);

    readonly ControlServer _server;
    readonly int _quality;
    readonly Log _log;
    readonly JpegEncoder _encoder = new();
    readonly JpegExchange _exchange = new();
    // The viewer's split view: the bicubic x4 of the same frames, encoded only while someone watches it.
    readonly JpegExchange _bicubic = new();
    readonly BicubicView _bicubicView = new();
    long _bicubicWantedUntil;
    readonly RateMeter _encodedRate = new();
    readonly Ewma _encodeMs = new(), _captureToEncodedMs = new();
    readonly Clock _clock = new();
    long _encoded, _refused;

    public MjpegSink(ControlServer server, int jpegQuality, Log log) : base("encode")
    {
        _server = server;
        _quality = jpegQuality;
        _log = log;
        server.Map("/stream", ctx => ViewOf(ctx) is { } v ? StreamAsync(ctx, v) : BadViewAsync(ctx), action: "stream");
        server.Map("/snapshot", ctx => ViewOf(ctx) is { } v ? SnapshotAsync(ctx, v) : BadViewAsync(ctx), action: "snapshot");
        server.Stopping.Register(() =>
        {
            _exchange.WakeAll();
            _bicubic.WakeAll();
        });
    }

    public JpegExchange Exchange => _exchange;

    /// <summary>Streams refused because <see cref="MaxStreamClients"/> were open.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Encoding figures and the stream clients.</summary>
    public override void AddTo(PipelineState state, long now)
    {
        base.AddTo(state, now);
        state.Fps.Encoded = _encodedRate.Rate(now);
        state.Frames.Encoded = Interlocked.Read(ref _encoded);
        state.LatencyMs.Encode = _encodeMs.Value;
        state.LatencyMs.CaptureToEncoded = _captureToEncodedMs.Value;
        state.Refused["http"] = state.Refused.GetValueOrDefault("http") + Refused;
        var sink = state.Sinks[Stage];
        int clients = 0;
        foreach (var (view, exchange) in new[] { ("classsr", _exchange), ("bicubic", _bicubic) })
        {
            long latest = exchange.Sequence;
            foreach (var c in exchange.Clients())
            {
                clients++;
                state.Clients.Add(new ClientState
                {
                    View = view,
                    Id = c.Id,
                    Remote = c.Remote,
                    Fps = c.Rate.Rate(now),
                    Sent = Interlocked.Read(ref c.Sent),
                    Skipped = c.SkippedNow(latest),
                    SecondsConnected = Clock.Ms(c.ConnectedTicks, now) / 1000,
                    CaptureToSentMs = c.CaptureToSentMs.Value,
                });
            }
        }
        // The encoded frames' rings beside the pipeline's (the bicubic view's only while someone watches it).
        state.Rings["jpeg"] = _exchange.RingFigures;
        if (_bicubic.HasClients || _bicubic.PooledFrames > 0)
            state.Rings["jpeg-bicubic"] = _bicubic.RingFigures;
        // Its own clients: the list is shared, and another part may add to it.
        sink.Clients = clients;
        sink.Refused = Refused;
    }

    /// <summary>Encodes once per upscaled frame; every client shares the result.</summary>
    protected override void Consume(PipelineFrame frame)
    {
        var f = Encode(frame.Image, frame, _exchange);
        f.UpscaleMs = frame.UpscaleMs;
        _exchange.Publish(f);
        _encodeMs.Add(f.EncodeMs);
        _captureToEncodedMs.Add(Clock.Ms(frame.CapturedTicks, f.EncodedTicks));
        Interlocked.Increment(ref _encoded);
        _encodedRate.Mark(f.EncodedTicks);
        if (frame.Source is { } lr && (_bicubic.HasClients || f.EncodedTicks < Volatile.Read(ref _bicubicWantedUntil)))
        {
            _bicubicView.Render(lr, frame.Image.Width / lr.Width);
            _bicubic.Publish(Encode(_bicubicView.Frame, frame, _bicubic));
        }
        else if (_bicubicView.Allocated && f.EncodedTicks > Volatile.Read(ref _bicubicWantedUntil) + BicubicKeep * Stopwatch.Frequency)
        {
            // Nobody has watched the split view for a while: its output-sized frame and JPEGs (about 2 MB at 1280x720)
            // go back, so one look at the split view does not cost memory for the rest of the run.
            _bicubicView.Release();
            // Trims the allocator too.
            _bicubic.DropPooled();
        }
    }

    /// <summary>Seconds the split view's buffers are kept after its last viewer, for one who comes straight back.</summary>
    const long BicubicKeep = 10;

    /// <summary>JPEG of <paramref name="image"/> in a buffer of <paramref name="exchange"/>, stamped with the frame's times.</summary>
    EncodedFrame Encode(YuvFrame image, PipelineFrame frame, JpegExchange exchange)
    {
        long t0 = Stopwatch.GetTimestamp();
        int length = _encoder.EncodeI420(image, _quality);
        long t1 = Stopwatch.GetTimestamp();
        var f = exchange.Rent();
        if (f.Data.Length < length)
            f.Data = GC.AllocateUninitializedArray<byte>(length + length / 4);
        _encoder.Encoded.CopyTo(f.Data);
        f.Length = length;
        f.CapturedTicks = frame.CapturedTicks;
        f.UpscaledTicks = frame.UpscaledTicks;
        f.EncodedTicks = t1;
        f.UpscaleMs = 0;
        f.EncodeMs = Clock.Ms(t0, t1);
        f.Width = image.Width;
        f.Height = image.Height;
        f.NoSignal = frame.NoSignal;
        return f;
    }

    /// <summary>The exchange a request's ?view= names: ClassSR's frames (the default) or their bicubic twin.</summary>
    JpegExchange? ViewOf(HttpContext ctx)
    {
        switch (ctx.Request.Query["view"].FirstOrDefault())
        {
            case null or "" or "classsr":
                return _exchange;
            case "bicubic":
                // Asked for by a snapshot: keep making bicubic frames a while, so the next snapshot finds a fresh one.
                Volatile.Write(ref _bicubicWantedUntil, Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency);
                return _bicubic;
            default:
                return null;
        }
    }

    static async Task BadViewAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
        await ctx.Response.WriteAsync("view must be classsr or bicubic\n", ctx.RequestAborted).ConfigureAwait(false);
    }

    async Task SnapshotAsync(HttpContext ctx, JpegExchange exchange)
    {
        var frame = exchange.Acquire();
        if (frame is null && await exchange.WaitForFirstAsync(SnapshotWait, ctx.RequestAborted).ConfigureAwait(false))
            frame = exchange.Acquire();
        var response = ctx.Response;
        if (frame is null)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await response.WriteAsync("no frame yet\n", ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        try
        {
            response.ContentType = "image/jpeg";
            response.ContentLength = frame.Length;
            var h = response.Headers;
            h["X-Frame-Sequence"] = frame.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
            h["X-Frame-Size"] = $"{frame.Width}x{frame.Height}";
            h["X-No-Signal"] = frame.NoSignal ? "1" : "0";
            h["X-Timestamp-Captured-Ms"] = Milliseconds(_clock.UnixMs(frame.CapturedTicks));
            h["X-Timestamp-Upscaled-Ms"] = Milliseconds(_clock.UnixMs(frame.UpscaledTicks));
            h["X-Timestamp-Encoded-Ms"] = Milliseconds(_clock.UnixMs(frame.EncodedTicks));
            h["X-Timestamp-Sent-Ms"] = Milliseconds(_clock.UnixMs(Stopwatch.GetTimestamp()));
            h["X-Upscale-Ms"] = Milliseconds(frame.UpscaleMs);
            h["X-Encode-Ms"] = Milliseconds(frame.EncodeMs);
            h["X-Capture-To-Encoded-Ms"] = Milliseconds(Clock.Ms(frame.CapturedTicks, frame.EncodedTicks));
            if (!HttpMethods.IsHead(ctx.Request.Method))
                await response.Body.WriteAsync(frame.Jpeg, ctx.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            exchange.Release(frame);
        }
    }

    static string Milliseconds(double ms) => ms.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    async Task StreamAsync(HttpContext ctx, JpegExchange exchange)
    {
        var response = ctx.Response;
        // Streams take at most half the connections, so /state, /metrics and snapshots stay reachable.
        if (_exchange.Clients().Length + _bicubic.Clients().Length >= MaxStreamClients)
        {
            Interlocked.Increment(ref _refused);
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.Connection = "close";
            await response.WriteAsync(ControlServer.BusyText, ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        response.ContentType = "multipart/x-mixed-replace;boundary=" + Boundary;
        response.Headers.Pragma = "no-cache";
        if (HttpMethods.IsHead(ctx.Request.Method))
            return;
        var connection = ctx.Connection;
        var client = exchange.Register($"{connection.RemoteIpAddress}:{connection.RemotePort}");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _server.Stopping);
        var token = cancel.Token;
        using var wake = token.UnsafeRegister(static c => ((StreamClient)c!).Signal.Set(), client);
        _log.Info($"http: stream client {client.Id} ({client.Remote}) connected");
        PipeWriter writer = response.BodyWriter;
        try
        {
            await response.StartAsync(token).ConfigureAwait(false);
            long capturedTicks = 0;
            while (!token.IsCancellationRequested)
            {
                await client.Signal.WaitAsync().ConfigureAwait(false);
                if (token.IsCancellationRequested)
                    break;
                var frame = exchange.Acquire();
                if (frame is null)
                    continue;
                try
                {
                    if (frame.Sequence == client.LastSequence)
                        continue;
                    if (client.LastSequence > 0)
                        Interlocked.Add(ref client.Skipped, frame.Sequence - client.LastSequence - 1);
                    Volatile.Write(ref client.LastSequence, frame.Sequence);
                    capturedTicks = frame.CapturedTicks;
                    WritePart(writer, frame, _clock);
                    // Blocks only this client: the frame it holds stays out of the pool until the write is done.
                    var flushed = await writer.FlushAsync(token).ConfigureAwait(false);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                        break;
                }
                finally
                {
                    exchange.Release(frame);
                }
                long sent = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref client.Sent);
                client.Rate.Mark(sent);
                client.CaptureToSentMs.Add(Clock.Ms(capturedTicks, sent));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client went away or the daemon is stopping: both are normal ends of a stream.
        }
        finally
        {
            exchange.Unregister(client);
            _log.Info($"http: stream client {client.Id} ({client.Remote}) left after {client.Sent} frames, {client.SkippedNow(exchange.Sequence)} skipped");
            MemoryTrim.Request();
        }
    }

    static void WritePart(PipeWriter writer, EncodedFrame frame, Clock clock)
    {
        Span<byte> head = writer.GetSpan(320);
        double captured = clock.UnixMs(frame.CapturedTicks) / 1000;
        // Utf8.TryWrite formats straight into the pipe's memory: no strings per frame.
        if (!Utf8.TryWrite(head, System.Globalization.CultureInfo.InvariantCulture,
            $"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {frame.Length}\r\nX-Timestamp: {captured:0.000000}\r\nX-Frame-Sequence: {frame.Sequence}\r\nX-Upscale-Ms: {frame.UpscaleMs:0.###}\r\nX-Encode-Ms: {frame.EncodeMs:0.###}\r\n\r\n",
            out int written))
            throw new InvalidOperationException("multipart header does not fit its buffer");
        writer.Advance(written);
        writer.Write(frame.Jpeg.Span);
        writer.Write("\r\n"u8);
    }

    public override void Dispose()
    {
        // An encoder thread that outlived the stop budget may still be inside TurboJPEG.
        if (ThreadEnded)
            _encoder.Dispose();
    }

    /// <summary>Stopwatch ticks to Unix milliseconds, anchored once so all timestamps share one wall clock.</summary>
    sealed class Clock
    {
        readonly long _ticks0 = Stopwatch.GetTimestamp();
        readonly double _unixMs0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        public double UnixMs(long ticks) => _unixMs0 + Ms(_ticks0, ticks);

        public static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
    }
}
