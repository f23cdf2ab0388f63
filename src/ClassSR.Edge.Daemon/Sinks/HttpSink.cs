using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClassSR.Edge.Daemon.Sinks;

public sealed class HttpOptions
{
    public ListenAddress Listen { get; init; } = ListenAddress.Default;
    /// <summary>Required when <see cref="Listen"/> is not loopback: a Bearer header or ?token= must match it.</summary>
    public string? AuthToken { get; init; }
    public int JpegQuality { get; init; } = 80;
}

/// <summary>
/// JPEG encoding on its own thread, and a Kestrel server: /stream (MJPEG), /snapshot, /state, /metrics, the
/// viewer page at /, and mjpg-streamer's ?action=stream|snapshot. Every stream client runs its own loop that
/// sends the newest JPEG and skips what it missed, so a client that stops reading holds up nobody.
/// </summary>
public sealed class HttpSink : FrameSink
{
    const string Boundary = "classsrframe";
    static readonly TimeSpan SnapshotWait = TimeSpan.FromSeconds(5);

    readonly HttpOptions _options;
    readonly Log _log;
    readonly JpegEncoder _encoder = new();
    readonly JpegExchange _exchange = new();
    // The viewer's split view: the bicubic x4 of the same frames, encoded only while someone watches it.
    readonly JpegExchange _bicubic = new();
    readonly BicubicView _bicubicView = new();
    long _bicubicWantedUntil;
    // The newest frame's class map for /classes, copied by the encode thread and read by requests.
    readonly Lock _classGate = new();
    byte[] _classes = [];
    byte[] _reused = [];
    int _classCols, _classRows, _classTile, _sourceWidth, _sourceHeight;
    long _classSequence;
    readonly CancellationTokenSource _stopping = new();
    readonly byte[]? _token;
    readonly RateMeter _encodedRate = new();
    readonly Ewma _encodeMs = new(), _captureToEncodedMs = new();
    readonly Clock _clock = new();
    long _encoded;
    long _connections, _refused;

    /// <summary>
    /// Connections served at once (each /stream client is one). Beyond it a connection gets 503 and is closed, and
    /// counted: an unauthenticated peer on a 0.0.0.0 listener cannot hold a file handle each without limit.
    /// </summary>
    public const int MaxConnections = 64;
    /// <summary>/stream clients at once, both views together.</summary>
    public const int MaxStreamClients = MaxConnections / 2;
    /// <summary>A connection that sends no complete request within this is closed (Kestrel's keep-alive and request-headers timeouts).</summary>
    public static readonly TimeSpan IdleRequestTimeout = TimeSpan.FromSeconds(5);
    const string BusyText = "too many connections; try later\n";
    static readonly byte[] Busy = Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n" +
        $"Connection: close\r\nContent-Length: {BusyText.Length}\r\n\r\n{BusyText}");

    /// <summary>Connections refused because <see cref="MaxConnections"/> were open, and streams beyond <see cref="MaxStreamClients"/>.</summary>
    public long Refused => Interlocked.Read(ref _refused);
    WebApplication? _app;

    public HttpSink(HttpOptions options, Log log) : base("encode")
    {
        if (!options.Listen.IsLoopback && string.IsNullOrEmpty(options.AuthToken))
            throw new ArgumentException($"listening on {options.Listen}, which is not loopback, needs --auth-token");
        _options = options;
        _log = log;
        _token = options.AuthToken is { Length: > 0 } t ? Encoding.UTF8.GetBytes(t) : null;
    }

    /// <summary>Fills /state; set before the server starts.</summary>
    public Func<PipelineState>? State { get; set; }

    /// <summary>The address actually bound (port 0 resolved), as an http:// URL ending in '/'.</summary>
    public string? Url { get; private set; }

    public JpegExchange Exchange => _exchange;

    /// <summary>Binds and starts serving (before the pipeline runs, so a taken port fails start-up early).</summary>
    /// <exception cref="IOException">The address cannot be bound.</exception>
    public async Task StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // No appsettings.json watcher in whatever directory the daemon was started from.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new KestrelLogProvider(_log));
        // The daemon owns SIGTERM/SIGINT; the default console lifetime would race it for them.
        builder.Services.AddSingleton<IHostLifetime, DaemonLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            // A connection that sends nothing (before its first request, or between two) is closed after this.
            k.Limits.RequestHeadersTimeout = IdleRequestTimeout;
            k.Limits.KeepAliveTimeout = IdleRequestTimeout;
            k.Listen(new IPEndPoint(_options.Listen.Address, _options.Listen.Port), l => l.Use(next => async connection =>
            {
                try
                {
                    if (Interlocked.Increment(ref _connections) > MaxConnections)
                    {
                        Interlocked.Increment(ref _refused);
                        await connection.Transport.Output.WriteAsync(Busy).ConfigureAwait(false);
                        await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
                        return;
                    }
                    await next(connection).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _connections);
                }
            }));
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot listen on {_options.Listen}: {e.Message}", e);
        }
        _app = app;
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? $"http://{_options.Listen}";
        Url = bound.TrimEnd('/') + "/";
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
        KeepClassMap(frame);
        if (frame.Source is { } lr && (_bicubic.HasClients || f.EncodedTicks < Volatile.Read(ref _bicubicWantedUntil)))
        {
            _bicubicView.Render(lr, Upscaler.Scale);
            _bicubic.Publish(Encode(_bicubicView.Frame, frame, _bicubic));
        }
        else if (_bicubicView.Allocated && f.EncodedTicks > Volatile.Read(ref _bicubicWantedUntil) + BicubicKeep * Stopwatch.Frequency)
        {
            // Nobody has watched the split view for a while: its output-sized frame and JPEGs (about 2 MB at 1280x720)
            // go back, so one look at the split view does not cost memory for the rest of the run.
            _bicubicView.Release();
            _bicubic.DropPooled();
            MemoryTrim.Request();
        }
    }

    /// <summary>Seconds the split view's buffers are kept after its last viewer, for one who comes straight back.</summary>
    const long BicubicKeep = 10;

    /// <summary>JPEG of <paramref name="image"/> in a buffer of <paramref name="exchange"/>, stamped with the frame's times.</summary>
    EncodedFrame Encode(YuvFrame image, PipelineFrame frame, JpegExchange exchange)
    {
        long t0 = Stopwatch.GetTimestamp();
        int length = _encoder.EncodeI420(image, _options.JpegQuality);
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

    void KeepClassMap(PipelineFrame frame)
    {
        lock (_classGate)
        {
            if (_classes.Length != frame.Classes.Length)
                _classes = new byte[frame.Classes.Length];
            frame.Classes.CopyTo(_classes, 0);
            if (_reused.Length != frame.Reused.Length)
                _reused = new byte[frame.Reused.Length];
            frame.Reused.CopyTo(_reused, 0);
            (_classCols, _classRows, _classTile) = (frame.Grid.Cols, frame.Grid.Rows, frame.Grid.Tile);
            (_sourceWidth, _sourceHeight, _classSequence) = (frame.Source?.Width ?? frame.Grid.Width, frame.Source?.Height ?? frame.Grid.Height, frame.Sequence);
        }
    }

    /// <summary>The exchange a request's ?view= names: ClassSR's frames (the default) or their bicubic twin.</summary>
    JpegExchange? ViewOf(HttpRequest request)
    {
        switch (request.Query["view"].FirstOrDefault())
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

    async Task ClassesAsync(HttpContext ctx)
    {
        var response = ctx.Response;
        response.ContentType = "application/json";
        ClassMapState map;
        lock (_classGate)
        {
            var digits = new char[_classes.Length];
            for (int i = 0; i < digits.Length; i++)
                digits[i] = (char)('0' + _classes[i]);
            var reused = new char[_reused.Length];
            for (int i = 0; i < reused.Length; i++)
                reused[i] = _reused[i] != 0 ? '1' : '0';
            map = new ClassMapState
            {
                Sequence = _classSequence,
                SourceWidth = _sourceWidth,
                SourceHeight = _sourceHeight,
                Tile = _classTile,
                Cols = _classCols,
                Rows = _classRows,
                Classes = new string(digits),
                Reused = new string(reused),
            };
        }
        await JsonSerializer.SerializeAsync(response.Body, map, StateJson.Default.ClassMapState, ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The pipeline's state plus what this sink knows: encoding and the clients.</summary>
    public PipelineState Snapshot()
    {
        var s = State?.Invoke() ?? throw new InvalidOperationException("no state source");
        long now = Stopwatch.GetTimestamp();
        return new PipelineState
        {
            Source = s.Source,
            Output = s.Output,
            Mode = s.Mode,
            Precision = s.Precision,
            NoSignal = s.NoSignal,
            UptimeSeconds = s.UptimeSeconds,
            Fps = new StageFigures { Captured = s.Fps.Captured, Processed = s.Fps.Processed, Encoded = _encodedRate.Rate(now) },
            Frames = new StageCounts { Captured = s.Frames.Captured, Processed = s.Frames.Processed, Encoded = Interlocked.Read(ref _encoded) },
            Drops = s.Drops,
            Refused = new Dictionary<string, long>(s.Refused) { ["http"] = Refused },
            Classes = s.Classes,
            MacsRatio = s.MacsRatio,
            Reuse = s.Reuse,
            Hold = s.Hold,
            LatencyMs = new LatencyFigures { Upscale = s.LatencyMs.Upscale, Encode = _encodeMs.Value, CaptureToEncoded = _captureToEncodedMs.Value },
            Clients = [.. _exchange.Clients().Select(c => (View: "classsr", Client: c, Latest: _exchange.Sequence))
                .Concat(_bicubic.Clients().Select(c => (View: "bicubic", Client: c, Latest: _bicubic.Sequence))).Select(v => new ClientState
            {
                View = v.View,
                Id = v.Client.Id,
                Remote = v.Client.Remote,
                Fps = v.Client.Rate.Rate(now),
                Sent = Interlocked.Read(ref v.Client.Sent),
                Skipped = v.Client.SkippedNow(v.Latest),
                SecondsConnected = Clock.Ms(v.Client.ConnectedTicks, now) / 1000,
                CaptureToSentMs = v.Client.CaptureToSentMs.Value,
            })],
        };
    }

    async Task HandleAsync(HttpContext ctx)
    {
        var response = ctx.Response;
        response.Headers.CacheControl = "no-store";
        if (!Authorized(ctx.Request))
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = "Bearer";
            await response.WriteAsync("unauthorized: pass the --auth-token as 'Authorization: Bearer T' or ?token=T\n").ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        string path = ctx.Request.Path.Value ?? "/";
        string? action = path == "/" ? ctx.Request.Query["action"].FirstOrDefault() : null;
        string route = action ?? path;
        JpegExchange? view = route is "/stream" or "stream" or "/snapshot" or "snapshot" ? ViewOf(ctx.Request) : _exchange;
        if (view is null)
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            await response.WriteAsync("view must be classsr or bicubic\n", ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        switch (route)
        {
            case "/stream" or "stream":
                await StreamAsync(ctx, view).ConfigureAwait(false);
                break;
            case "/snapshot" or "snapshot":
                await SnapshotAsync(ctx, view).ConfigureAwait(false);
                break;
            case "/classes":
                await ClassesAsync(ctx).ConfigureAwait(false);
                break;
            case "/state":
                response.ContentType = "application/json";
                await JsonSerializer.SerializeAsync(response.Body, Snapshot(), StateJson.Default.PipelineState, ctx.RequestAborted).ConfigureAwait(false);
                break;
            case "/metrics":
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await response.WriteAsync(Metrics.Format(Snapshot()), ctx.RequestAborted).ConfigureAwait(false);
                break;
            case "/":
                response.ContentType = "text/html; charset=utf-8";
                await response.Body.WriteAsync(ViewerPage.Html, ctx.RequestAborted).ConfigureAwait(false);
                break;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                await response.WriteAsync("not found: try /, /stream, /snapshot (?view=bicubic), /classes, /state or /metrics\n", ctx.RequestAborted).ConfigureAwait(false);
                break;
        }
    }

    bool Authorized(HttpRequest request)
    {
        if (_token is null)
            return true;
        string? presented = null;
        string? header = request.Headers.Authorization.FirstOrDefault();
        if (header != null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            presented = header["Bearer ".Length..].Trim();
        presented ??= request.Query["token"].FirstOrDefault();
        // Constant time, so the token cannot be guessed byte by byte from response timing.
        return presented != null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _token);
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
            await response.WriteAsync(BusyText, ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        response.ContentType = "multipart/x-mixed-replace;boundary=" + Boundary;
        response.Headers.Pragma = "no-cache";
        if (HttpMethods.IsHead(ctx.Request.Method))
            return;
        var connection = ctx.Connection;
        var client = exchange.Register($"{connection.RemoteIpAddress}:{connection.RemotePort}");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping.Token);
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

    public override void Start()
    {
        if (_app is null)
            throw new InvalidOperationException("start the server first");
        base.Start();
    }

    /// <summary>Ends the stream loops and stops the server; bounded by Kestrel's shutdown timeout (1 s).</summary>
    public Task StopServerAsync()
    {
        _stopping.Cancel();
        _exchange.WakeAll();
        _bicubic.WakeAll();
        return _app?.StopAsync() ?? Task.CompletedTask;
    }

    public override void Dispose()
    {
        // An encoder thread that outlived the stop budget may still be inside TurboJPEG.
        if (ThreadEnded)
            _encoder.Dispose();
        _stopping.Dispose();
        if (_app is IDisposable d)
            d.Dispose();
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

/// <summary>Lets the daemon, not the host, decide when to stop.</summary>
internal sealed class DaemonLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
