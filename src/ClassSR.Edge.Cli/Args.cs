using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Cli;

/// <summary>A usage error: printed as one line with the command's usage.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Positional arguments and --name value options, with the parsers the commands share.</summary>
public sealed class Args
{
    readonly List<string> _positional = [];
    readonly Dictionary<string, string?> _options = [];
    // Every value in order, for options that may be repeated (--output); Get keeps the last one.
    readonly Dictionary<string, List<string>> _repeated = [];
    readonly HashSet<string> _used = [];
    readonly HashSet<string> _valueMissing = [];

    static bool IsOption(string a) => a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2;

    public Args(ReadOnlySpan<string> argv, IReadOnlySet<string> flags)
    {
        for (int i = 0; i < argv.Length; i++)
        {
            string a = argv[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                int eq = name.IndexOf('=');
                if (eq >= 0)
                    Set(name[..eq], name[(eq + 1)..]);
                else if (flags.Contains(name))
                    _options[name] = null;
                else if (i + 1 < argv.Length && !IsOption(argv[i + 1]))
                    Set(name, argv[++i]);
                else
                    // Not taken as the next option's name: "--bogus --seconds 1" must name --bogus, not the stray 1.
                    _valueMissing.Add(name);
            }
            else
                _positional.Add(a);
        }
    }

    void Set(string name, string value)
    {
        _options[name] = value;
        if (!_repeated.TryGetValue(name, out var all))
            _repeated[name] = all = [];
        all.Add(value);
    }

    public IReadOnlyList<string> Positional => _positional;

    /// <summary>Every value given for a repeatable option, in order; empty when it was not given.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        _used.Add(name);
        if (_valueMissing.Contains(name))
            throw new UsageException($"option --{name} needs a value");
        return _repeated.TryGetValue(name, out var all) ? all : [];
    }

    public string? Get(string name)
    {
        _used.Add(name);
        if (_valueMissing.Contains(name))
            throw new UsageException($"option --{name} needs a value");
        return _options.TryGetValue(name, out var v) ? v : null;
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    public int Int(string name, int fallback)
    {
        string? v = Get(name);
        if (v is null) return fallback;
        return int.TryParse(v, out int n) ? n : throw new UsageException($"--{name}: '{v}' is not an integer");
    }

    public double Double(string name, double fallback)
    {
        string? v = Get(name);
        if (v is null) return fallback;
        // Float, not the default Any: "1,5" is not fifteen.
        return double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double n)
            ? n : throw new UsageException($"--{name}: '{v}' is not a number");
    }

    /// <summary>Fails on options nobody asked for, so a typo is not silently ignored.</summary>
    public void RejectUnknown()
    {
        foreach (var k in _options.Keys.Concat(_valueMissing))
            if (!_used.Contains(k))
                throw new UsageException($"unknown option --{k}");
    }

    public UpscaleMode Mode(UpscaleMode fallback = UpscaleMode.ClassSR) => Get("mode") switch
    {
        null => fallback,
        "classsr" => UpscaleMode.ClassSR,
        "small" => UpscaleMode.Small,
        "medium" => UpscaleMode.Medium,
        "large" => UpscaleMode.Large,
        "bicubic" => UpscaleMode.Bicubic,
        var v => throw new UsageException($"--mode: '{v}' is not one of classsr, small, medium, large, bicubic"),
    };

    public ClassSR.Edge.Models.Precision Precision() => Get("precision") switch
    {
        null or "auto" => ClassSR.Edge.Models.Precision.Auto,
        "int8" => ClassSR.Edge.Models.Precision.Int8,
        "fp32" => ClassSR.Edge.Models.Precision.Fp32,
        var v => throw new UsageException($"--precision: '{v}' is not one of int8, fp32, auto"),
    };

    /// <param name="reclassifyEvery">1 for stills; video (run) passes its own default, see EngineOptions.ReclassifyEvery.</param>
    public EngineOptions Engine(UpscaleMode fallback = UpscaleMode.ClassSR, int reclassifyEvery = 1)
    {
        var o = new EngineOptions { Mode = Mode(fallback), Precision = Precision(), Threads = Int("threads", Environment.ProcessorCount) };
        string? bias = Get("class-bias");
        if (bias != null)
        {
            var parts = bias.Split(',');
            if (parts.Length != 3 || !parts.All(p => float.TryParse(p, System.Globalization.CultureInfo.InvariantCulture, out _)))
                throw new UsageException($"--class-bias: '{bias}' is not three comma-separated numbers");
            o.ClassBias = [.. parts.Select(p => float.Parse(p, System.Globalization.CultureInfo.InvariantCulture))];
        }
        o.MaxRegionCells = Int("max-region-cells", int.MaxValue);
        o.MaxRegionPixels = Int("max-region-pixels", (int)RegionPlanner.DefaultMaxRegionPixels);
        o.ReclassifyEvery = Int("reclassify-every", reclassifyEvery);
        if (o.ReclassifyEvery < 1)
            throw new UsageException($"--reclassify-every: {o.ReclassifyEvery} is not 1 or more");
        if (o.MaxRegionPixels < 32 * 32)
            throw new UsageException($"--max-region-pixels: {o.MaxRegionPixels} is smaller than one 32x32 tile");
        if (Flag("no-promote")) o.Promote = false;
        o.MeasureCosts = Get("cost-model") switch
        {
            null or "measured" => true,
            "macs" => false,
            var v => throw new UsageException($"--cost-model: '{v}' is not measured or macs"),
        };
        return o;
    }

    /// <summary>
    /// Temporal reuse for video (run, bench): --reuse on|off, --reuse-threshold T, --refresh-every N, each over the
    /// configuration file's value. On by default: every source these commands read is video.
    /// </summary>
    public void Reuse(EngineOptions o, bool? fileReuse, double? fileThreshold, int? fileRefreshEvery)
    {
        o.Reuse = Get("reuse") switch
        {
            null => fileReuse ?? true,
            "on" => true,
            "off" => false,
            var v => throw new UsageException($"--reuse: '{v}' is not on or off"),
        };
        o.ReuseThreshold = Get("reuse-threshold") is null ? fileThreshold ?? ChangeDetector.DefaultThreshold : Double("reuse-threshold", 0);
        if (EngineOptions.ReuseThresholdProblem(o.ReuseThreshold) is { } bad)
            throw new UsageException($"--reuse-threshold {o.ReuseThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture)} {bad}");
        o.RefreshEvery = Get("refresh-every") is null ? fileRefreshEvery ?? EngineOptions.DefaultRefreshEvery : Int("refresh-every", 0);
        if (EngineOptions.RefreshEveryProblem(o.RefreshEvery) is { } bad2)
            throw new UsageException($"--refresh-every {o.RefreshEvery} {bad2}");
    }

    /// <summary>The frame-budget controller (run, bench): --target-fps N|source|off and --latency-budget MS|auto, over the file's keys.</summary>
    public ClassSR.Edge.Daemon.Pipeline.BudgetOptions Budget(string? fileTarget, string? fileBudget)
    {
        string target = Get("target-fps") ?? fileTarget ?? "source", budget = Get("latency-budget") ?? fileBudget ?? "auto";
        (bool enabled, double? fps) t;
        double? ms;
        try { t = ClassSR.Edge.Daemon.Pipeline.BudgetOptions.ParseTarget(target); }
        catch (FormatException e) { throw new UsageException($"--target-fps {target} {e.Message}"); }
        try { ms = ClassSR.Edge.Daemon.Pipeline.BudgetOptions.ParseBudget(budget); }
        catch (FormatException e) { throw new UsageException($"--latency-budget {budget} {e.Message}"); }
        return new() { Enabled = t.enabled, TargetFps = t.fps, LatencyBudgetMs = ms };
    }

    public ModelSet Models() => ModelSet.Load(Get("models") ?? ModelSet.DefaultDirectory());
}
