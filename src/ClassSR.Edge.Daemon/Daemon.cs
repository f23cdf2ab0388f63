using System.Diagnostics;
using System.Runtime.InteropServices;
using ClassSR.Edge.Daemon.Control;
using ClassSR.Edge.IO.Gpio;
using ClassSR.Edge.Daemon.Panel;
using ClassSR.Edge.IO.V4l2;
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

    /// <summary>
    /// Builds an upscaler like the running one in another mode, for the GPIO button's A/B switch; run off the
    /// pipeline's threads. The host owns and frees what it returns. Null: the button only logs.
    /// </summary>
    public Func<UpscaleMode, Upscaler>? MakeUpscaler { get; init; }

    /// <summary>What the frame-budget controller holds to, read at start and again after each reload; null: off.</summary>
    public Func<BudgetOptions>? Budget { get; init; }

    /// <summary>Opens the LED and button lines; the board's GPIO unless a test hands in its twin.</summary>
    public Func<GpioOptions, IGpioPins> OpenGpio { get; init; } = options => new GpioPins(options);

    /// <summary>
    /// True when SIGHUP was ignored by whoever started us (nohup, some CI runners): .NET keeps an inherited ignore, so
    /// a reload signal would be dropped without a word.
    /// </summary>
    static bool SighupIgnored()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                    return (Convert.ToUInt64(line[7..].Trim(), 16) & 1) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return false;
    }

    /// <summary>Runs until stopped; returns the process exit code.</summary>
    /// <param name="upscaler">Owned by the caller; only the upscale thread touches it while this runs.</param>
    /// <exception cref="FormatException">The source spec is not understood.</exception>
    /// <exception cref="IOException">The HTTP address or the raw-frame socket cannot be bound.</exception>
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
        // Builds an upscaler off the pipeline's threads and hands it over between frames. One at a time: a burst
        // of SIGHUPs or button presses must not build several upscalers at once on a small board.
        void SwapUpscaler(string cause, string rejected, Func<Upscaler?> make)
        {
            lock (reloadGate)
            {
                if (stop.IsCancellationRequested)
                    return;
                // A reload records what it applied; before the pipeline runs there is nothing to apply it to.
                if (running is not { } p)
                {
                    _log.Warn($"{cause} before the pipeline started; ignored");
                    return;
                }
                try
                {
                    if (make() is { } next)
                        p.ReplaceUpscaler(next);
                    if (Budget is { } budget)
                        p.Budget = budget();
                }
                catch (Exception e) when (e is ArgumentException or FormatException or IOException or UnauthorizedAccessException
                    or ClassSR.Edge.Models.ModelException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
                {
                    _log.Error($"{rejected}, keeping the running configuration: {e.Message}");
                }
            }
        }
        void ReloadNow()
        {
            if (Reload is null)
                return;
            SwapUpscaler("SIGHUP", "reload rejected", () =>
            {
                _log.Info("SIGHUP: reloading the configuration");
                return Reload();
            });
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

        if (Reload != null && SighupIgnored())
            _log.Warn("SIGHUP is ignored in this process (started under nohup?), so it cannot reload the configuration; restart instead");

        // Opened before anything runs, so a wrong chip or pin fails start-up with its reason.
        using var gpio = _options.Gpio is { Any: true } pins ? OpenGpio(pins) : null;
        using var source = SourceSpec.Create(_options.Source, _options.Raw, _options.Fps, _options.Loop, _options.Size, _options.PixelFormat);
        // The state is the pipeline's, made below, plus what each stage adds; the server serves it.
        FramePipeline? pipelineRef = null;
        var state = new StateRegistry(() => pipelineRef!.Snapshot());
        ControlServer? server = _options.Listen is { } listen
            ? new ControlServer(new ControlOptions { Listen = listen, AuthToken = _options.AuthToken }, state, () => pipelineRef!.ClassMap(), _log)
            : null;
        var sinks = SinkSpec.Create(_options, server, source, _log);
        foreach (var s in sinks)
        {
            s.Failed = (sink, e) =>
            {
                bool closed = e is IOException && sink is Y4mSink;
                _log.Write(closed ? LogLevel.Info : LogLevel.Error, $"{sink.Stage} output stopped: {e.Message}");
                Stop(closed ? 0 : 1);
            };
        }

        // A y4m pipe's reader wants the end of the stream; a server, a screen or a virtual camera has viewers who want
        // a picture, NO SIGNAL included.
        bool holdLastFrame = !_options.Y4mToStdout || server != null || sinks.Any(s => s is FramebufferSink) || _options.V4l2Outputs.Count > 0;
        foreach (var sink in sinks.OfType<Y4mSink>())
            sink.Lossless = !holdLastFrame;
        using var pipeline = new FramePipeline(source, upscaler, sinks, _log)
        {
            Faulted = _ => Stop(1),
            HoldLastFrameAtEnd = holdLastFrame,
            SourceEnded = holdLastFrame ? null : () => Stop(0),
            // Nobody watches live: a pipe in and a pipe out is a transcode, where every frame counts (ffmpeg's way).
            Lossless = !holdLastFrame,
            // Upscalers built by reloads are the host's; the caller's stays the caller's.
            Retired = u => { if (!ReferenceEquals(u, upscaler)) u.Dispose(); },
        };
        if (Budget is { } budgetNow)
            pipeline.Budget = budgetNow();
        running = pipeline;
        pipelineRef = pipeline;
        foreach (var s in sinks)
            state.Add(s);
        server?.StartAsync().GetAwaiter().GetResult();
        long started = Stopwatch.GetTimestamp();
        pipeline.Start();
        // The pins' event holds the button's handler for as long as the pins are open.
        if (gpio != null && _options.Gpio!.ButtonPin != null)
            _ = new ModeButton(gpio, upscaler.Mode, mode =>
            {
                _log.Info($"button: switching to {mode.ToString().ToLowerInvariant()}");
                if (MakeUpscaler is { } make)
                    ThreadPool.QueueUserWorkItem(_ => SwapUpscaler("button", "mode switch rejected", () => make(mode)));
            });
        var light = gpio != null && _options.Gpio!.LedPin != null ? new StatusLight(gpio, () => pipeline.Signal) : null;
        light?.Start();
        string target = server != null ? $"serving {server.Url}" : $"writing to {string.Join(", ", sinks.Select(s => s.Stage))}";
        _log.Info($"{target} (source {_options.Source}, x{upscaler.Scale} {upscaler.Mode.ToString().ToLowerInvariant()}, " +
            $"{upscaler.Precision.ToString().ToLowerInvariant()}){(server != null && _options.AuthToken != null ? ", token required" : "")}");

        Thread? notify = null;
        ServiceHeartbeat? heartbeat = Notifier is { } n ? new ServiceHeartbeat(n, Watchdog) : null;
        if (heartbeat != null)
        {
            notify = new Thread(() =>
            {
                do
                    heartbeat.Tick(Stopwatch.GetElapsedTime(started), pipeline.ProcessedFrames, () => ServiceHeartbeat.Describe(state.Snapshot()));
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

        light?.Stop();
        var serverStopped = server?.StopAsync() ?? Task.CompletedTask;
        pipeline.Stop(StopBudget);
        if (!serverStopped.Wait(StopBudget))
            _log.Warn("http server did not stop in time");
        else
            server?.DisposeAsync().AsTask().Wait(StopBudget);
        // The pipeline's threads are done with whatever upscaler they held; free the ones reloads made.
        if (!ReferenceEquals(pipeline.Upscaler, upscaler))
            pipeline.Upscaler.Dispose();
        _log.Info($"stopped after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        return exitCode;
    }
}
