using ClassSR.Edge.Daemon.Control;
using System.Globalization;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.Daemon.Devices.Gpio;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Service;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Cli;

/// <summary>Everything a run was asked for: the configuration file with the command line laid over it.</summary>
public sealed record RunSettings(DaemonOptions Daemon, EngineOptions Engine, string ModelsDirectory, LogLevel LogLevel, BudgetOptions Budget);

/// <summary>`classsr-edge run`: the daemon. Parses flags and the configuration file into <see cref="DaemonOptions"/> and hands over.</summary>
public static class RunCommand
{
    static readonly HashSet<string> Flags = ["loop", "no-promote"];

    public static int Run(ReadOnlySpan<string> argv)
    {
        string[] args = argv.ToArray();
        var a = new Args(args, Flags);
        string? configPath = a.Get("config");
        string path = configPath ?? ConfigFile.DefaultPath;
        // Only the default file may be absent: a file named on the command line that is missing is a mistake.
        var settings = Resolve(a, ConfigFile.Load(path, optional: configPath is null));

        var log = Log.Stderr(settings.LogLevel);
        using var notifier = SystemdNotifier.FromEnvironment(log);
        DaemonHost host;
        try
        {
            host = new DaemonHost(settings.Daemon, log)
            {
                Notifier = notifier,
                Watchdog = notifier is null ? null : SystemdNotifier.WatchdogInterval(),
                Reload = () => Reload(args, path, configPath is null, ref settings, log),
                MakeUpscaler = mode => MakeUpscaler(settings, mode),
                Budget = () => settings.Budget,
            };
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        using var upscaler = new Upscaler(ModelSet.Load(settings.ModelsDirectory), settings.Engine);
        try
        {
            return host.Run(upscaler);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>
    /// SIGHUP: the file is read again and the command line laid over it again, so flags keep winning. Mode,
    /// precision, models, reuse, reuse_threshold, refresh_every and log_level apply live (a new upscaler is swapped in between frames),
    /// target_fps and latency_budget too (the controller takes them between frames, keeping the upscaler); the rest
    /// shapes sockets and threads set up at start and needs a restart, which is logged.
    /// </summary>
    static Upscaler? Reload(string[] args, string path, bool optional, ref RunSettings current, Log log)
    {
        var next = Resolve(new Args(args, Flags), ConfigFile.Load(path, optional));
        var (o, n) = (current.Daemon, next.Daemon);
        var needRestart = new List<string>();
        if (o.Source != n.Source) needRestart.Add("source");
        if (o.Raw != n.Raw) needRestart.Add("raw");
        if (o.Fps != n.Fps) needRestart.Add("fps");
        if (o.Loop != n.Loop) needRestart.Add("loop");
        if (o.Size != n.Size) needRestart.Add("size");
        if (o.PixelFormat != n.PixelFormat) needRestart.Add("pixel_format");
        if (o.Listen != n.Listen) needRestart.Add("listen");
        if (o.AuthToken != n.AuthToken) needRestart.Add("auth_token");
        if (o.Y4mToStdout != n.Y4mToStdout || o.Framebuffer != n.Framebuffer || !o.V4l2Outputs.SequenceEqual(n.V4l2Outputs)) needRestart.Add("output");
        if (o.FramesSocket != n.FramesSocket) needRestart.Add("frames_socket");
        if (o.Gpio != n.Gpio) needRestart.Add("gpio_chip/led_pin/button_pin");
        if (o.JpegQuality != n.JpegQuality) needRestart.Add("jpeg_quality");
        if (needRestart.Count > 0)
            log.Warn($"reload: {string.Join(", ", needRestart)} changed; that takes a restart (systemctl restart classsr-edge)");
        log.Minimum = next.LogLevel;
        var (oe, ne) = (current.Engine, next.Engine);
        // A new upscaler starts with an empty reuse cache, as a change of mode or models should.
        bool engineChanged = oe.Mode != ne.Mode || oe.Precision != ne.Precision || current.ModelsDirectory != next.ModelsDirectory
            || oe.Reuse != ne.Reuse || oe.ReuseThreshold != ne.ReuseThreshold || oe.RefreshEvery != ne.RefreshEvery;
        // Applied parts only: what needs a restart stays as it runs, so a later reload compares against that.
        if (current.Budget != next.Budget)
            log.Info($"reload: target fps {next.Budget.TargetText}, latency budget {(next.Budget.LatencyBudgetMs is { } ms ? ms.ToString(CultureInfo.InvariantCulture) + " ms" : "auto")}");
        current = current with { Engine = next.Engine, ModelsDirectory = next.ModelsDirectory, LogLevel = next.LogLevel, Budget = next.Budget };
        if (!engineChanged)
        {
            log.Info("reload: configuration read; nothing to change in the upscaler");
            return null;
        }
        return new Upscaler(ModelSet.Load(next.ModelsDirectory), next.Engine);
    }

    static GpioOptions? Gpio(Args a, DaemonConfig file)
    {
        int? Number(string flag, int? fromFile) => a.Get(flag) is null ? fromFile : a.Int(flag, 0);
        int? led = Number("led-pin", file.LedPin), button = Number("button-pin", file.ButtonPin);
        int chip = Number("gpio-chip", file.GpioChip) ?? 0;
        return led is null && button is null ? null : new GpioOptions(chip, led, button);
    }

    /// <summary>The running engine's settings in another mode: the GPIO button's A/B switch.</summary>
    static Upscaler MakeUpscaler(RunSettings settings, UpscaleMode mode) =>
        new(ModelSet.Load(settings.ModelsDirectory), settings.Engine.WithMode(mode));

    static OutputSpecs ParseOutputs(IReadOnlyList<string> given)
    {
        try { return OutputSpecs.Parse(given); }
        catch (FormatException e) { throw new UsageException($"--output: {e.Message}"); }
    }

    /// <summary>Lays the command line over <paramref name="file"/>; every flag it reads is consumed.</summary>
    /// <exception cref="UsageException">A bad flag, an unknown flag, or a combination that cannot run.</exception>
    public static RunSettings Resolve(Args a, DaemonConfig file)
    {
        if (a.Positional.Count != 0)
            throw new UsageException($"run takes no positional arguments (got '{a.Positional[0]}')");
        a.Get("config");
        DaemonOptions options;
        try
        {
            var outputs = a.GetAll("output") is { Count: > 0 } given ? ParseOutputs(given) : file.Outputs ?? OutputSpecs.None;
            options = new DaemonOptions
            {
                Source = a.Get("source") ?? file.Source ?? "synthetic",
                Raw = a.Get("raw") ?? file.Raw,
                Fps = a.Get("fps") is null ? file.Fps : a.Double("fps", 0),
                Loop = a.Flag("loop") || file.Loop == true,
                Size = a.Get("size") ?? file.Size,
                PixelFormat = a.Get("pixel-format") ?? file.PixelFormat,
                Listen = a.Get("listen") switch
                {
                    null => file.ListenSet ? file.Listen : ListenAddress.Default,
                    "none" => null,
                    var l => ListenAddress.Parse(l),
                },
                AuthToken = a.Get("auth-token") ?? file.AuthToken,
                Y4mToStdout = outputs.Y4mToStdout,
                Framebuffer = outputs.Framebuffer,
                V4l2Outputs = outputs.V4l2,
                FramesSocket = a.Get("frames-socket") switch
                {
                    null => file.FramesSocketSet ? file.FramesSocket : FrameSocketSink.DefaultPath,
                    "none" => null,
                    "" => throw new UsageException("--frames-socket: give a path or none"),
                    var path => path,
                },
                Gpio = Gpio(a, file),
                JpegQuality = a.Get("jpeg-quality") is null ? file.JpegQuality ?? 80 : a.Int("jpeg-quality", 80),
                Duration = a.Get("seconds") is null ? null : TimeSpan.FromSeconds(a.Double("seconds", 0)),
            };
            options.Validate();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UsageException(e.Message);
        }
        if (options.Duration is { } d && d <= TimeSpan.Zero)
            throw new UsageException($"--seconds {d.TotalSeconds.ToString(CultureInfo.InvariantCulture)} is not positive");
        bool precisionFlag = a.Get("precision") != null;
        EngineOptions engine = a.Engine(file.Mode ?? UpscaleMode.ClassSR, reclassifyEvery: EngineOptions.VideoReclassifyEvery);
        if (!precisionFlag && file.Precision is { } p)
            engine.Precision = p;
        a.Reuse(engine, file.Reuse, file.ReuseThreshold, file.RefreshEvery);
        var budget = a.Budget(file.TargetFps, file.LatencyBudget);
        string models = a.Get("models") ?? file.Models ?? ModelSet.DefaultDirectory();
        LogLevel level = a.Get("log-level") switch
        {
            null => file.LogLevel ?? LogLevel.Info,
            var v => ConfigFile.ParseLogLevel(v) ?? throw new UsageException($"--log-level: '{v}' is not one of {ConfigFile.LogLevelNames}"),
        };
        a.RejectUnknown();
        return new RunSettings(options, engine, models, level, budget);
    }
}
