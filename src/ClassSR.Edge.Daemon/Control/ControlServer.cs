using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sinks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClassSR.Edge.Daemon.Control;

public sealed class ControlOptions
{
    public ListenAddress Listen { get; init; } = ListenAddress.Default;
    /// <summary>Required when <see cref="Listen"/> is not loopback: a Bearer header or ?token= must match it.</summary>
    public string? AuthToken { get; init; }
}

/// <summary>
/// The daemon's one HTTP server and control plane: Kestrel with its limits and the token check, and the routes. It
/// serves the viewer page at /, /state and /metrics from the <see cref="StateRegistry"/>, and /classes; sinks that
/// speak HTTP (MJPEG and snapshots) add their own routes before it starts.
/// </summary>
public sealed class ControlServer : IStatePart, IAsyncDisposable
{
    /// <summary>
    /// Connections served at once (each /stream client is one). Beyond it a connection gets 503 and is closed, and
    /// counted: an unauthenticated peer on a 0.0.0.0 listener cannot hold a file handle each without limit.
    /// </summary>
    public const int MaxConnections = 64;
    /// <summary>A connection that sends no complete request within this is closed (Kestrel's keep-alive and request-headers timeouts).</summary>
    public static readonly TimeSpan IdleRequestTimeout = TimeSpan.FromSeconds(5);
    public const string BusyText = "too many connections; try later\n";
    static readonly byte[] Busy = Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n" +
        $"Connection: close\r\nContent-Length: {BusyText.Length}\r\n\r\n{BusyText}");

    readonly ControlOptions _options;
    readonly Log _log;
    readonly byte[]? _token;
    readonly Dictionary<string, Func<HttpContext, Task>> _routes = new(StringComparer.Ordinal);
    readonly List<string> _listed = ["/", "/state", "/metrics", "/classes"];
    readonly CancellationTokenSource _stopping = new();
    WebApplication? _app;
    long _connections, _refused;

    public ControlServer(ControlOptions options, StateRegistry state, Func<ClassMapState> classMap, Log log)
    {
        if (!options.Listen.IsLoopback && string.IsNullOrEmpty(options.AuthToken))
            throw new ArgumentException($"listening on {options.Listen}, which is not loopback, needs --auth-token");
        _options = options;
        _log = log;
        _token = options.AuthToken is { Length: > 0 } t ? Encoding.UTF8.GetBytes(t) : null;
        State = state;
        _routes["/"] = ViewerAsync;
        _routes["/state"] = ctx => JsonAsync(ctx, state.Snapshot());
        _routes["/metrics"] = MetricsAsync;
        _routes["/classes"] = ctx =>
        {
            ctx.Response.ContentType = "application/json";
            return JsonSerializer.SerializeAsync(ctx.Response.Body, classMap(), StateJson.Default.ClassMapState, ctx.RequestAborted);
        };
        state.Add(this);
    }

    public StateRegistry State { get; }

    /// <summary>Cancelled when the server stops: long-lived responses (streams) end on it.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The address actually bound (port 0 resolved), as an http:// URL ending in '/'.</summary>
    public string? Url { get; private set; }

    /// <summary>Connections refused because <see cref="MaxConnections"/> were open.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// Adds a route before the server starts. <paramref name="action"/> is mjpg-streamer's name for it (/?action=stream),
    /// which clients written for that server still use.
    /// </summary>
    public void Map(string path, Func<HttpContext, Task> handler, string? action = null)
    {
        if (_app != null)
            throw new InvalidOperationException("routes are added before the server starts");
        _routes.Add(path, handler);
        if (action != null)
            _routes.Add("?" + action, handler);
        _listed.Add(path);
    }

    void IStatePart.AddTo(PipelineState state, long now) =>
        state.Refused["http"] = state.Refused.GetValueOrDefault("http") + Refused;

    /// <summary>Binds and starts serving (before the pipeline runs, so a taken port fails start-up early).</summary>
    /// <exception cref="IOException">The address cannot be bound.</exception>
    public async Task StartAsync()
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
        app.Run(ServeAsync);
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

    /// <summary>
    /// One request, past the transport: the token check, the method, the route and its handler. Kestrel calls it for
    /// every request; the in-process fuzzer calls it directly, a million query values in minutes rather than hours.
    /// </summary>
    public async Task ServeAsync(HttpContext ctx)
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
        if (_routes.TryGetValue(action is null ? path : "?" + action, out var handler))
        {
            await handler(ctx).ConfigureAwait(false);
            return;
        }
        response.StatusCode = StatusCodes.Status404NotFound;
        await response.WriteAsync($"not found: try {string.Join(", ", _listed)}\n", ctx.RequestAborted).ConfigureAwait(false);
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

    static Task ViewerAsync(HttpContext ctx)
    {
        ctx.Response.ContentType = "text/html; charset=utf-8";
        return ctx.Response.Body.WriteAsync(ViewerPage.Html, ctx.RequestAborted).AsTask();
    }

    static Task JsonAsync(HttpContext ctx, PipelineState state)
    {
        ctx.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(ctx.Response.Body, state, StateJson.Default.PipelineState, ctx.RequestAborted);
    }

    Task MetricsAsync(HttpContext ctx)
    {
        ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        return ctx.Response.WriteAsync(PrometheusText.Format(State.Snapshot()), ctx.RequestAborted);
    }

    /// <summary>Ends long-lived responses and stops the server; bounded by Kestrel's shutdown timeout (1 s).</summary>
    public Task StopAsync()
    {
        _stopping.Cancel();
        return _app?.StopAsync() ?? Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        if (_app != null)
            await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Lets the daemon, not the host, decide when to stop.</summary>
internal sealed class DaemonLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
