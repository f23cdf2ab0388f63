using ClassSR.Edge.Daemon.Sources;
using System.Globalization;
using ClassSR.Edge.Daemon.Control;
using ClassSR.Edge.IO.Gpio;
using ClassSR.Edge.Daemon.Panel;
using ClassSR.Edge.IO.V4l2;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Daemon.Config;

/// <summary>
/// Every option of the daemon and the bench, declared once: key and flag, default, check and reload behaviour. The
/// configuration file is read against <see cref="All"/>; each command binds its own list from the command line; the
/// components' option records (<see cref="DaemonOptions"/>, <see cref="EngineOptions"/>, <see cref="BudgetOptions"/>)
/// are made from the values here and nowhere else.
/// </summary>
public static class OptionTable
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // The source.
    public static readonly Option<string> Source = new("source", OptionKind.Text, "synthetic", "SPEC",
        "synthetic, y4m:PATH, PATH.y4m, raw:PATH or v4l2:DEVICE (\"-\" is stdin)", Reload.Restart, NotEmpty);
    public static readonly Option<string?> Raw = new("raw", OptionKind.Text, null, "WxH:i420|nv12|yuyv",
        "the layout of raw: frames", Reload.Restart, s => NotEmpty(s));
    public static readonly Option<double?> Fps = new("fps", OptionKind.Number, null, "N",
        "pacing for file and synthetic sources, the rate to ask a camera for", Reload.Restart, s => NumberIn(s, 0, false, 1000),
        defaultText: "the source's own");
    public static readonly Option<bool> Loop = new("loop", OptionKind.Switch, false, "",
        "play a file source again from the start when it ends", Reload.Restart, Bool);
    public static readonly Option<string?> Size = new("size", OptionKind.Text, null, "WxH",
        "the size to ask a v4l2: camera for", Reload.Restart, s =>
        {
            try { V4l2CaptureRequest.ParseSize(s); }
            catch (FormatException) { throw new FormatException("is not WxH (16..8192 each)"); }
            return s;
        }, defaultText: "640x480");
    public static readonly Option<string?> PixelFormat = new("pixel_format", OptionKind.Text, null, "yuyv|nv12|mjpeg",
        "the pixel format to ask a v4l2: camera for", Reload.Restart,
        s => V4l2CaptureRequest.ParseFormat(s) is null ? throw new FormatException($"is not one of {V4l2CaptureRequest.FormatNames}") : s,
        defaultText: "the first of nv12, yuyv, mjpeg it offers");

    // Outputs and the control server.
    public static readonly Option<ListenAddress?> Listen = new("listen", OptionKind.Text, ListenAddress.Default, "ADDR:PORT|none",
        "the HTTP server: viewer, /stream, /snapshot, /state, /metrics", Reload.Restart, s =>
        {
            if (s == "none")
                return null;
            try { return ListenAddress.Parse(s); }
            catch (FormatException e) { throw new FormatException(e.Message.Contains(s, StringComparison.Ordinal) ? "is not ADDR:PORT or none" : e.Message); }
        });
    public static readonly Option<string?> AuthToken = new("auth_token", OptionKind.Text, null, "T",
        "a token HTTP clients must present (needed on a non-loopback address)", Reload.Restart, s => NotEmpty(s));
    public static readonly Option<OutputSpecs> Output = new("output", OptionKind.TextList, OutputSpecs.None, "y4m:-|fb:/dev/fbN|v4l2:DEVICE|none",
        "frame outputs besides HTTP (repeatable; in the file a string or a list)", Reload.Restart,
        s => OutputSpecs.Parse([s]), parseAll: OutputSpecs.Parse);
    public static readonly Option<string?> FramesSocket = new("frames_socket", OptionKind.Text, FrameSocketSink.DefaultPath, "PATH|none",
        "raw I420 frames on a Unix socket (the default is skipped when its directory does not exist)", Reload.Restart,
        s => s == "none" ? null : NotEmpty(s));
    public static readonly Option<int> JpegQuality = new("jpeg_quality", OptionKind.Integer, MjpegSink.DefaultJpegQuality, "Q",
        "JPEG quality of /stream and /snapshot", Reload.Restart, s => IntIn(s, 1, 100));
    public static readonly Option<int> GpioChip = new("gpio_chip", OptionKind.Integer, 0, "N",
        "the GPIO chip of the LED and button lines", Reload.Restart, s => IntIn(s, 0, int.MaxValue, "is negative"));
    public static readonly Option<int?> LedPin = new("led_pin", OptionKind.Integer, null, "N",
        "a status LED: on with signal, blinking without", Reload.Restart, s => IntIn(s, 0, int.MaxValue, "is negative"));
    public static readonly Option<int?> ButtonPin = new("button_pin", OptionKind.Integer, null, "N",
        "a button that switches between ClassSR and bicubic", Reload.Restart, s => IntIn(s, 0, int.MaxValue, "is negative"));

    // The engine.
    public static readonly Option<UpscaleMode> Mode = new("mode", OptionKind.Text, UpscaleMode.ClassSR, "classsr|small|medium|large|bicubic",
        "ClassSR's routing, one branch for every tile, or bicubic", Reload.Live,
        s => ConfigFile.ParseMode(s) ?? throw new FormatException($"is not one of {ConfigFile.ModeNames}"));
    public static readonly Option<Precision> Precision = new("precision", OptionKind.Text, ClassSR.Edge.Models.Precision.Auto, "int8|fp32|auto",
        "the models' precision; auto picks per branch from this CPU", Reload.Live,
        s => ConfigFile.ParsePrecision(s) ?? throw new FormatException($"is not one of {ConfigFile.PrecisionNames}"));
    public static readonly Option<string?> Models = new("models", OptionKind.Text, null, "DIR",
        "the model set", Reload.Live, s => NotEmpty(s), defaultText: "beside the binary");
    public static readonly Option<int> Scale = new("scale", OptionKind.Integer, ModelSet.DefaultScale, "2|4",
        "the upscaling factor: the x4 model set, or the x2 one (in the models folder's x2/)", Reload.Live,
        s => ModelSet.Scales.Contains(Int(s)) ? Int(s) : throw new FormatException($"is not one of {string.Join(", ", ModelSet.Scales)}"));
    public static readonly Option<int?> Threads = new("threads", OptionKind.Integer, null, "N",
        "inference threads", Reload.Live, s => IntIn(s, 1, 1024), defaultText: "one per core");
    public static readonly Option<float[]> ClassBias = new("class_bias", OptionKind.Text, [0f, 0f, 0f], "S,M,H",
        "logits added to the classifier's simple, medium and hard outputs", Reload.Live, Bias, defaultText: "0,0,0");
    public static readonly Option<int> MaxRegionCells = new("max_region_cells", OptionKind.Integer, int.MaxValue, "N",
        "the most cells one branch call covers", Reload.Live, s => IntIn(s, 1, int.MaxValue), defaultText: "no limit");
    public static readonly Option<int> MaxRegionPixels = new("max_region_pixels", OptionKind.Integer, (int)RegionPlanner.DefaultMaxRegionPixels, "N",
        "the most LR pixels one branch call covers", Reload.Live, s => IntIn(s, 32 * 32, int.MaxValue, "is smaller than one 32x32 tile"));
    public static readonly Option<int?> ReclassifyEvery = new("reclassify_every", OptionKind.Integer, null, "N",
        "classify a cell that keeps the hard class again only every N frames", Reload.Live, s => IntIn(s, 1, int.MaxValue, "is not 1 or more"),
        defaultText: $"{EngineOptions.VideoReclassifyEvery} for video, 1 for images");
    public static readonly Option<bool> NoPromote = new("no_promote", OptionKind.Switch, false, "",
        "keep lone cheap cells inside hard regions cheap (no promotion)", Reload.Live, Bool);
    public static readonly Option<bool> CostModel = new("cost_model", OptionKind.Text, true, "measured|macs",
        "plan regions by measured branch costs or by MACs", Reload.Live, s => s switch
        {
            "measured" => true,
            "macs" => false,
            _ => throw new FormatException("is not measured or macs"),
        }, defaultText: "measured");
    public static readonly Option<bool> Reuse = new("reuse", OptionKind.Text, true, "on|off",
        "temporal reuse: keep the output of cells that did not change", Reload.Live, OnOff);
    public static readonly Option<double> ReuseThreshold = new("reuse_threshold", OptionKind.Number, ChangeDetector.DefaultThreshold, "T",
        "mean absolute change (code values) under which a block counts as unchanged", Reload.Live,
        s => Checked(Number(s), EngineOptions.ReuseThresholdProblem));
    public static readonly Option<int> RefreshEvery = new("refresh_every", OptionKind.Integer, EngineOptions.DefaultRefreshEvery, "N",
        "recompute every kept cell at least every N frames", Reload.Live, s => Checked(Int(s), EngineOptions.RefreshEveryProblem));

    // The frame-budget controller.
    public static readonly Option<string> TargetFps = new("target_fps", OptionKind.NumberOrText, "source", "N|source|off",
        "the rate the frame-budget controller holds by making routing cheaper", Reload.Live, s => { BudgetOptions.ParseTarget(s); return s; });
    public static readonly Option<string> LatencyBudget = new("latency_budget", OptionKind.NumberOrText, "auto", "MS|auto",
        "the upscale step's budget per frame; auto is 85% of the frame interval", Reload.Live, s => { BudgetOptions.ParseBudget(s); return s; });

    public static readonly Option<LogLevel> LogLevel = new("log_level", OptionKind.Text, ClassSR.Edge.Daemon.LogLevel.Info, "debug|info|warn|error",
        "the least severe log line written", Reload.Live,
        s => ConfigFile.ParseLogLevel(s) ?? throw new FormatException($"is not one of {ConfigFile.LogLevelNames}"));

    // The bench's hardware.
    public static readonly Option<string> Power = new("power", OptionKind.Text, "auto", "SPEC",
        "the power sensor the bench reads (see README, Field benchmark)", Reload.Restart, NotEmpty);
    public static readonly Option<string?> MarkerPin = new("marker_pin", OptionKind.NumberOrText, null, "N|none",
        "a GPIO line the bench raises while a mode runs, for an external power meter", Reload.Restart,
        s => s is "none" || int.TryParse(s, NumberStyles.None, Inv, out _) ? s : throw new FormatException("is not a GPIO line number or none"));

    // Only on a command line.
    public static readonly Option<string?> Config = new("config", OptionKind.Text, null, "FILE",
        "the configuration file (command line only: it names the file the rest is read from)", Reload.Restart, s => NotEmpty(s),
        defaultText: ConfigFile.DefaultPath + " if it exists", inFile: false);
    public static readonly Option<double?> Seconds = new("seconds", OptionKind.Number, null, "N",
        "stop after N seconds (command line only: a test or a timed run, never a service's setting)", Reload.Restart,
        s => NumberIn(s, 0, false, double.MaxValue, "is not positive"), defaultText: "run until stopped", inFile: false);

    /// <summary>The engine's options, shared by upscale, eval, run and bench.</summary>
    public static readonly IReadOnlyList<Option> Engine =
        [Mode, Precision, Models, Scale, Threads, ClassBias, MaxRegionCells, MaxRegionPixels, ReclassifyEvery, NoPromote, CostModel];

    /// <summary>Temporal reuse and the frame-budget controller: video only (run, bench).</summary>
    public static readonly IReadOnlyList<Option> Video = [Reuse, ReuseThreshold, RefreshEvery, TargetFps, LatencyBudget];

    /// <summary>`classsr-edge run`.</summary>
    public static readonly IReadOnlyList<Option> Run =
    [
        Source, Raw, Fps, Loop, Size, PixelFormat, Listen, AuthToken, Output, FramesSocket, JpegQuality, GpioChip, LedPin, ButtonPin,
        .. Engine, .. Video, LogLevel, Config, Seconds,
    ];

    /// <summary>What `classsr-edge bench` shares with the daemon; its own (--modes, --seconds per mode, ...) are its business.</summary>
    public static readonly IReadOnlyList<Option> Bench = [Source, Raw, Fps, Threads, Models, Scale, .. Video, Power, MarkerPin, Config];

    /// <summary>Every option the configuration file may hold (run's and the bench's).</summary>
    public static readonly IReadOnlyList<Option> All = [.. Run, Power, MarkerPin];

    /// <summary>The file's keys, in the table's order.</summary>
    public static IEnumerable<Option> FileKeys => All.Where(o => o.InFile);

    /// <summary>The daemon's options record.</summary>
    /// <exception cref="ArgumentException">A combination that cannot run (see <see cref="DaemonOptions.Validate"/>).</exception>
    public static DaemonOptions DaemonOf(OptionValues v)
    {
        var outputs = v.Get(Output);
        int? led = v.Get(LedPin), button = v.Get(ButtonPin);
        var options = new DaemonOptions
        {
            Source = v.Get(Source),
            Raw = v.Get(Raw),
            Fps = v.Get(Fps),
            Loop = v.Get(Loop),
            Size = v.Get(Size),
            PixelFormat = v.Get(PixelFormat),
            Listen = v.Get(Listen),
            AuthToken = v.Get(AuthToken),
            Y4mToStdout = outputs.Y4mToStdout,
            Framebuffer = outputs.Framebuffer,
            V4l2Outputs = outputs.V4l2,
            FramesSocket = v.Get(FramesSocket),
            Gpio = led is null && button is null ? null : new GpioOptions(v.Get(GpioChip), led, button),
            JpegQuality = v.Get(JpegQuality),
            Duration = v.Get(Seconds) is { } s ? TimeSpan.FromSeconds(s) : null,
        };
        options.Validate();
        return options;
    }

    /// <summary>The engine's options record; <paramref name="video"/> sets the video defaults (reclassify less often, reuse).</summary>
    public static EngineOptions EngineOf(OptionValues v, bool video)
    {
        var o = new EngineOptions
        {
            Mode = v.Get(Mode),
            Precision = v.Get(Precision),
            Threads = v.Get(Threads) ?? Environment.ProcessorCount,
            ClassBias = v.Get(ClassBias),
            MaxRegionCells = v.Get(MaxRegionCells),
            MaxRegionPixels = v.Get(MaxRegionPixels),
            ReclassifyEvery = v.Get(ReclassifyEvery) ?? (video ? EngineOptions.VideoReclassifyEvery : 1),
            Promote = !v.Get(NoPromote),
            MeasureCosts = v.Get(CostModel),
        };
        if (video)
        {
            o.Reuse = v.Get(Reuse);
            o.ReuseThreshold = v.Get(ReuseThreshold);
            o.RefreshEvery = v.Get(RefreshEvery);
        }
        return o;
    }

    /// <summary>The frame-budget controller's options record.</summary>
    public static BudgetOptions BudgetOf(OptionValues v)
    {
        var (enabled, fps) = BudgetOptions.ParseTarget(v.Get(TargetFps));
        return new BudgetOptions { Enabled = enabled, TargetFps = fps, LatencyBudgetMs = BudgetOptions.ParseBudget(v.Get(LatencyBudget)) };
    }

    /// <summary>The folder of the model set of the chosen scale.</summary>
    /// <exception cref="ModelException">No set of that scale there.</exception>
    public static string ModelsDirectory(OptionValues v) => ModelSet.DirectoryFor(v.Get(Models) ?? ModelSet.DefaultDirectory(), v.Get(Scale));

    /// <summary>The options whose change a SIGHUP cannot apply, among those that changed.</summary>
    public static IEnumerable<Option> NeedingRestart(OptionValues running, OptionValues next) =>
        running.Changed(next, Run.Where(o => o.Reload == Reload.Restart && o.InFile));

    /// <summary>Help lines for <paramref name="options"/>: flag, value, default, config key and what a reload does.</summary>
    public static string Help(IEnumerable<Option> options)
    {
        var rows = options.Select(o => (Left: o.Kind == OptionKind.Switch ? o.Flag : $"{o.Flag} {o.Value}", o)).ToList();
        int width = Math.Min(40, rows.Max(r => r.Left.Length));
        var b = new System.Text.StringBuilder();
        foreach (var (left, o) in rows)
        {
            string where = o.InFile ? $"config \"{o.Key}\", {(o.Reload == Reload.Live ? "SIGHUP applies it" : "restart to change")}" : "command line only";
            b.Append("  ").Append(left.PadRight(width)).Append("  ").Append(o.Help)
                .Append(" (default ").Append(o.DefaultText).Append("; ").Append(where).Append(")\n");
        }
        return b.ToString();
    }

    static string NotEmpty(string s) => s.Length == 0 ? throw new FormatException("is empty (leave it out for the default)") : s;

    static bool Bool(string s) => s switch
    {
        "true" => true,
        "false" => false,
        _ => throw new FormatException("is not true or false"),
    };

    static bool OnOff(string s) => s switch
    {
        "on" => true,
        "off" => false,
        _ => throw new FormatException("is not on or off"),
    };

    static int Int(string s) =>
        int.TryParse(s, NumberStyles.AllowLeadingSign, Inv, out int n) ? n : throw new FormatException("is not an integer");

    static double Number(string s) =>
        // Float, not the default Any: "1,5" is not fifteen.
        double.TryParse(s, NumberStyles.Float, Inv, out double n) && double.IsFinite(n) ? n : throw new FormatException("is not a number");

    static int IntIn(string s, int lo, int hi, string? reason = null)
    {
        int n = Int(s);
        return n >= lo && n <= hi ? n : throw new FormatException(reason ?? $"is not in {lo}..{hi}");
    }

    static double NumberIn(string s, double lo, bool loIncluded, double hi, string? reason = null)
    {
        double n = Number(s);
        return (loIncluded ? n >= lo : n > lo) && n <= hi ? n
            : throw new FormatException(reason ?? $"is not in {(loIncluded ? "[" : "(")}{lo.ToString(Inv)}, {hi.ToString(Inv)}]");
    }

    static T Checked<T>(T value, Func<T, string?> problem) => problem(value) is { } bad ? throw new FormatException(bad) : value;

    static float[] Bias(string s)
    {
        var parts = s.Split(',');
        if (parts.Length != 3 || !parts.All(p => float.TryParse(p, NumberStyles.Float, Inv, out float f) && float.IsFinite(f)))
            throw new FormatException("is not three comma-separated numbers");
        return [.. parts.Select(p => float.Parse(p, NumberStyles.Float, Inv))];
    }
}
