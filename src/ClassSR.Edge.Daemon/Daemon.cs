using System.Diagnostics;
using System.Runtime.InteropServices;
using ClassSR.Edge.Daemon.Devices.V4l2;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Service;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;

namespace ClassSR.Edge.Daemon;

/// <summary>
/// Puts a run together: source, pipeline, sinks, HTTP server and signal handling, and runs it until SIGTERM,
/// SIGINT, the requested duration, or a failure.
/// </summary>
public sealed class DaemonHost
{
    static readonly TimeSpan StopBudget = TimeSpan.FromSeconds(1.5);
    readonly DaemonOptions _options;
    readonly Log _log;

    public DaemonHost(DaemonOptions options, Log log)
    {
        options.Validate();
        _options = options;
        _log = log;
    }

    /// <summary>The service manager to keep informed (READY, STATUS, WATCHDOG, STOPPING); null: none.</summary>
    public IServiceNotifier? Notifier { get; init; }

    /// <summary>systemd's WatchdogSec, from WATCHDOG_USEC; null: no watchdog pings.</summary>
    public TimeSpan? Watchdog { get; init; }

    /// <summary>
    /// Run on SIGHUP, off the signal thread: re-reads the configuration and returns an upscaler to switch to
    /// between frames, or null when the upscaler stays. Throws to reject the new configuration; the old one
    /// stays in force. The host owns and frees what it returns.
    /// </summary>
    public Func<Upscaler?>? Reload { get; init; }

    /// <summary>Runs until stopped; returns the process exit code.</summary>
    /// <param name="upscaler">Owned by the caller; only the upscale thread touches it while this runs.</param>
    /// <exception cref="FormatException">The source spec is not understood.</exception>
    /// <exception cref="IOException">The HTTP address cannot be bound.</exception>
    public int Run(Upscaler upscaler, CancellationToken cancel = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        int exitCode = 0;
        void Stop(int code)
        {
            if (code != 0)
                Interlocked.CompareExchange(ref exitCode, code, 0);
            try { stop.Cancel(); } catch (ObjectDisposedException) { }
        }

        // Handled rather than left to the runtime so shutdown is orderly: sinks flushed, sockets closed.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Stop(0); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Stop(0); });
        using var sigquit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => { c.Cancel = true; Stop(0); });
        FramePipeline? running = null;
        var reloadGate = new Lock();
        void ReloadNow()
        {
            // One reload at a time: a burst of SIGHUPs must not build several upscalers at once on a small board.
            lock (reloadGate)
            {
                if (stop.IsCancellationRequested || Reload is null)
                    return;
                // Reload records what it applied; before the pipeline runs there is nothing to apply it to.
                if (running is not { } p)
                {
                    _log.Warn("SIGHUP before the pipeline started; ignored");
                    return;
                }
                _log.Info("SIGHUP: reloading the configuration");
                try
                {
                    if (Reload() is { } next)
                        p.ReplaceUpscaler(next);
                }
                catch (Exception e) when (e is ArgumentException or FormatException or IOException or UnauthorizedAccessException
                    or ClassSR.Edge.Models.ModelException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
                {
                    _log.Error($"reload rejected, keeping the running configuration: {e.Message}");
                }
            }
        }
        // Without a handler SIGHUP would kill the process; with no config to reload it is logged and ignored.
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
        {
            c.Cancel = true;
            if (Reload is null)
                _log.Info("SIGHUP: nothing to reload");
            else
                ThreadPool.QueueUserWorkItem(_ => ReloadNow());
        });

        using var source = SourceSpec.Create(_options.Source, _options.Raw, _options.Fps, _options.Loop, _options.Size, _options.PixelFormat);
        var sinks = new List<FrameSink>();
        HttpSink? http = null;
        if (_options.Listen is { } listen)
        {
            http = new HttpSink(new HttpOptions { Listen = listen, AuthToken = _options.AuthToken, JpegQuality = _options.JpegQuality }, _log);
            sinks.Add(http);
        }
        if (_options.Y4mToStdout)
            sinks.Add(new Y4mSink(Console.OpenStandardOutput(), () => source.Fps));
        foreach (string device in _options.V4l2Outputs)
            sinks.Add(new V4l2LoopbackSink(device, new LinuxV4l2Device(), _log, () => source.Fps));
        foreach (var s in sinks)
        {
            s.Failed = (sink, e) =>
            {
                bool closed = e is IOException && sink is Y4mSink;
                _log.Write(closed ? LogLevel.Info : LogLevel.Error, $"{sink.Stage} output stopped: {e.Message}");
                Stop(closed ? 0 : 1);
            };
        }

        // A virtual camera, like a server, has readers who want a picture, not the end of the stream.
        bool holdsPicture = http != null || _options.V4l2Outputs.Count > 0;
        using var pipeline = new FramePipeline(source, upscaler, sinks, _log)
        {
            Faulted = _ => Stop(1),
            // With only stdout to feed, a finished source means a finished output; a server keeps showing NO SIGNAL.
            HoldLastFrameAtEnd = holdsPicture,
            SourceEnded = holdsPicture ? null : () => Stop(0),
            // Upscalers built by reloads are the host's; the caller's stays the caller's.
            Retired = u => { if (!ReferenceEquals(u, upscaler)) u.Dispose(); },
        };
        running = pipeline;
        if (http != null)
        {
            http.State = pipeline.Snapshot;
            http.StartServerAsync().GetAwaiter().GetResult();
        }
        long started = Stopwatch.GetTimestamp();
        pipeline.Start();
        string target = http != null ? $"serving {http.Url}"
            : _options.Y4mToStdout ? "writing y4m to stdout" : $"writing to {string.Join(", ", _options.V4l2Outputs)}";
        _log.Info($"{target} (source {_options.Source}, x{Upscaler.Scale} {upscaler.Mode.ToString().ToLowerInvariant()}, " +
            $"{upscaler.Precision.ToString().ToLowerInvariant()}){(http != null && _options.AuthToken != null ? ", token required" : "")}");

        Thread? notify = null;
        ServiceHeartbeat? heartbeat = Notifier is { } n ? new ServiceHeartbeat(n, Watchdog) : null;
        if (heartbeat != null)
        {
            notify = new Thread(() =>
            {
                do
                    heartbeat.Tick(Stopwatch.GetElapsedTime(started), pipeline.ProcessedFrames, () => ServiceHeartbeat.Describe(pipeline.Snapshot()));
                while (!stop.Token.WaitHandle.WaitOne(heartbeat.TickPeriod));
            }) { IsBackground = true, Name = "classsr-notify" };
            notify.Start();
        }

        if (_options.Duration is { } d)
            stop.Token.WaitHandle.WaitOne(d);
        else
            stop.Token.WaitHandle.WaitOne();
        try { stop.Cancel(); } catch (ObjectDisposedException) { }
        notify?.Join();
        heartbeat?.Stopping();
        lock (reloadGate)
            running = null;

        var serverStopped = http?.StopServerAsync() ?? Task.CompletedTask;
        pipeline.Stop(StopBudget);
        if (!serverStopped.Wait(StopBudget))
            _log.Warn("http server did not stop in time");
        // The pipeline's threads are done with whatever upscaler they held; free the ones reloads made.
        if (!ReferenceEquals(pipeline.Upscaler, upscaler))
            pipeline.Upscaler.Dispose();
        _log.Info($"stopped after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        return exitCode;
    }
}
