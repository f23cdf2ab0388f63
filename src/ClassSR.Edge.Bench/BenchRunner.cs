using ClassSR.Edge.IO.Gpio;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.IO.Power;
using ClassSR.Edge.IO.Thermal;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Bench;

/// <summary>One configuration a bench times: an engine mode at a precision, under a name.</summary>
/// <param name="ReclassifyEvery">As the daemon runs video by default; 1 classifies every frame, as stills run.</param>
/// <param name="SmallBias">Added to the small branch's logit: the speed setting (see <see cref="EngineOptions.ClassBias"/>).</param>
public sealed record BenchMode(string Name, UpscaleMode Mode, Precision Precision,
    int ReclassifyEvery = EngineOptions.VideoReclassifyEvery, float SmallBias = 0)
{
    /// <summary>Bicubic, each branch alone, large and ClassSR in both precisions, ClassSR with per-branch auto precision.</summary>
    public static readonly BenchMode[] All =
    [
        new("bicubic", UpscaleMode.Bicubic, Precision.Auto),
        new("small", UpscaleMode.Small, Precision.Auto),
        new("medium", UpscaleMode.Medium, Precision.Auto),
        new("large-fp32", UpscaleMode.Large, Precision.Fp32),
        new("large-int8", UpscaleMode.Large, Precision.Int8),
        new("classsr-fp32", UpscaleMode.ClassSR, Precision.Fp32),
        new("classsr-int8", UpscaleMode.ClassSR, Precision.Int8),
        new("classsr-auto", UpscaleMode.ClassSR, Precision.Auto),
    ];

    /// <summary>The engine bench's rows beyond <see cref="All"/>: ClassSR INT8 with the classifier on every frame.</summary>
    public static readonly BenchMode EveryFrame = new("classsr-int8-every-frame", UpscaleMode.ClassSR, Precision.Int8, ReclassifyEvery: 1);

    /// <summary>ClassSR INT8 at a speed setting: tiles whose predicted loss is up to e^bias the threshold go to the small branch.</summary>
    public static BenchMode Speed(float bias) => new(SpeedName, UpscaleMode.ClassSR, Precision.Int8, SmallBias: bias);

    public const string SpeedName = "classsr-int8-speed";

    public static string Names => string.Join(",", All.Select(m => m.Name));

    /// <summary>One of <see cref="All"/> by its name; null for another.</summary>
    public static BenchMode? Named(string name) => All.FirstOrDefault(m => m.Name == name);

    /// <summary>The engine options this mode runs with.</summary>
    public EngineOptions Options(int threads) => new()
    {
        Mode = Mode, Precision = Precision, Threads = threads, ReclassifyEvery = ReclassifyEvery, ClassBias = [SmallBias, 0, 0],
    };

    /// <exception cref="FormatException">An unknown name.</exception>
    public static BenchMode[] Parse(string list) =>
        [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n =>
            Named(n) ?? throw new FormatException($"--modes: '{n}' is not one of {Names}"))];
}

public sealed class BenchOptions
{
    public string Source { get; init; } = "synthetic";
    public string? Raw { get; init; }
    /// <summary>Pacing of a live source; null keeps its own.</summary>
    public double? Fps { get; init; }
    /// <summary>Treat a y4m file's frames as HR originals (input = them downscaled x4, PSNR/SSIM against them).</summary>
    public bool GroundTruth { get; init; }
    public double Seconds { get; init; } = 5;
    public double WarmupSeconds { get; init; } = 1;
    public double IdleSeconds { get; init; } = 2;
    public int QualityFrames { get; init; } = 5;
    public int MaxFrames { get; init; } = 60;
    public IReadOnlyList<BenchMode> Modes { get; init; } = BenchMode.All;
    public int Threads { get; init; } = Environment.ProcessorCount;
    public string Models { get; init; } = "";
    /// <summary>The model set's scale; every mode's upscaler must be of it.</summary>
    public int Scale { get; init; } = ModelSet.DefaultScale;
    /// <summary>Power sampling rate; null uses the sensor's own.</summary>
    public double? PowerRateHz { get; init; }
    /// <summary>Play a file at its own rate (its y4m header's, or <see cref="Fps"/>) and drop what the upscaler cannot keep up with.</summary>
    public bool Paced { get; init; }
    /// <summary>
    /// Paced runs: each mode runs with the frame-budget controller off and then on (as NAME+hold) under these options;
    /// disabled: off only.
    /// </summary>
    public BudgetOptions Budget { get; init; } = BudgetOptions.Off;
    /// <summary>A busy loop on one core from the first to the second second of each timed window; null: none.</summary>
    public (double Start, double End)? Load { get; init; }
}

/// <summary>What a bench run produced: the report and every timed frame.</summary>
public sealed record BenchResult(BenchReport Report, List<FrameRecord> Frames, PowerSample[] Trace, long StartTicks);

/// <summary>
/// The field benchmark: for each mode, load the engine, measure the idle baseline, run the real pipeline
/// (source, upscale thread, a recording sink) through a warm-up and a timed window, then measure quality on a
/// few frames outside the window. Power is sampled throughout on its own thread.
/// </summary>
public sealed class BenchRunner(BenchOptions options, Func<BenchMode, Upscaler> makeUpscaler, PowerChoice power,
    IMarkerPin? marker, SystemProbe probe, Log log)
{
    static readonly double TickMs = 1000.0 / Stopwatch.Frequency;

    public BenchResult Run(CancellationToken cancel = default)
    {
        long start = Stopwatch.GetTimestamp();
        double Since(long t) => (t - start) / (double)Stopwatch.Frequency;
        bool file = BenchFrames.IsFile(options.Source);
        var frames = file ? BenchFrames.Load(options.Source, options.GroundTruth, options.MaxFrames, options.Scale) : null;
        if (!file && options.GroundTruth)
            throw new ArgumentException($"--hr needs a y4m file or an image folder; {options.Source} is live");

        var report = new BenchReport
        {
            StartedUtc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Host = Host(),
            Settings = new BenchSettings
            {
                Seconds = options.Seconds, WarmupSeconds = options.WarmupSeconds, IdleSeconds = options.IdleSeconds,
                QualityFrames = frames?.Truth is null ? 0 : options.QualityFrames, Threads = options.Threads, Models = options.Models,
            },
            Source = new SourceInfo
            {
                Spec = options.Source,
                Kind = file ? "file" : "live",
                Frames = frames?.Input.Length,
                GroundTruth = frames?.Truth is null ? null : BenchFrames.GroundTruthText,
                GroundTruthMissing = frames?.Truth is not null ? null : file
                    ? "the file's frames were taken as the LR input (pass --hr to treat them as originals)"
                    : "a live source has no originals to compare with",
            },
            Marker = new MarkerInfo { Pin = marker?.Name },
        };
        using var monitor = power.Sensor is { } sensor ? new PowerMonitor(sensor, options.PowerRateHz) : null;
        monitor?.Start();
        if (monitor != null && !monitor.WaitForFirstSample(TimeSpan.FromSeconds(2)))
            log.Warn($"power: no sample from {monitor.Sensor.Name} within 2 s ({monitor.LastError ?? "no error"})");
        var all = new List<FrameRecord>();
        try
        {
            var runs = options.Modes.SelectMany(m => options.Paced && options.Budget.Enabled ? new[] { (m, false), (m, true) } : [(m, false)]);
            foreach (var (mode, hold) in runs)
            {
                cancel.ThrowIfCancellationRequested();
                var r = RunMode(mode, hold, frames, monitor, all, Since, cancel);
                report.Modes.Add(r);
                var inv = CultureInfo.InvariantCulture;
                log.Info(string.Create(inv, $"bench {mode.Name}: {r.Fps:0.00} fps, end-to-end p50 {r.LatencyMs.EndToEnd.P50:0.0} ms") +
                    (r.Energy is { } e ? string.Create(inv, $", {e.MeanWatts:0.00} W, {e.MjPerFrame:0.0} mJ/frame") : "") +
                    (r.Quality is { } q ? string.Create(inv, $", PSNR-Y {q.PsnrY:0.00} dB") : "") +
                    (r.Paced is { } pr ? string.Create(inv, $"; paced: {pr.Delivered} of {pr.SourceFrames} frames delivered, e2e p99 {r.LatencyMs.EndToEnd.P99:0.0} ms, PSNR-Y {pr.PsnrY:0.00} dB") : ""));
            }
        }
        finally
        {
            monitor?.Stop();
        }
        var trace = monitor?.Samples() ?? [];
        report.Power = new PowerInfo
        {
            Sensor = power.Sensor?.Name,
            Simulated = power.Sensor?.Simulated ?? false,
            RateHz = monitor?.RateHz,
            AchievedRateHz = monitor is null ? null : Math.Round(monitor.AchievedRateHz(), 1),
            ReadErrors = monitor?.Errors ?? 0,
            Missing = power.Missing,
        };
        if (trace.Length > 0)
        {
            // Enough points for a chart; the CSV and the energy figures use the full trace.
            int step = Math.Max(1, trace.Length / 3000);
            report.PowerTrace = new PowerTrace();
            for (int i = 0; i < trace.Length; i += step)
            {
                report.PowerTrace.TS.Add(Math.Round(Since(trace[i].Ticks), 4));
                report.PowerTrace.Watts.Add(Math.Round(trace[i].Watts, 4));
            }
        }
        if (marker != null)
            log.Info($"marker: {marker.Name} toggled {report.Marker.Edges.Count} times");
        return new BenchResult(report, all, trace, start);

        ModeResult RunMode(BenchMode mode, bool hold, BenchFrames? frames, PowerMonitor? monitor, List<FrameRecord> all,
            Func<long, double> since, CancellationToken cancel)
        {
            string name = hold ? mode.Name + "+hold" : mode.Name;
            long loadStart = Stopwatch.GetTimestamp();
            using var upscaler = makeUpscaler(mode);
            if (upscaler.Scale != options.Scale)
                throw new ArgumentException($"mode {mode.Name}: its models are x{upscaler.Scale}, the bench is x{options.Scale}");
            double loadSeconds = (Stopwatch.GetTimestamp() - loadStart) / (double)Stopwatch.Frequency;

            long idleStart = Stopwatch.GetTimestamp();
            cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(options.IdleSeconds));
            long idleEnd = Stopwatch.GetTimestamp();

            double pacedFps = !options.Paced || frames is null ? 0 : options.Fps ?? frames.Fps;
            if (options.Paced && frames != null && !(pacedFps > 0))
                throw new ArgumentException($"--paced: {options.Source} has no frame rate of its own; give --fps");
            var preloaded = frames is null ? null : new PreloadedSource(frames.Spec, frames.Input, pacedFps);
            using IFrameSource source = preloaded ?? SourceSpec.Create(options.Source, options.Raw, options.Fps, loop: true);
            var truth = frames?.Truth;
            Func<PipelineFrame, double>? score = options.Paced && truth != null && preloaded != null
                ? f => Metrics.MseY(f.Image.Y, truth[preloaded.IndexOf(f.Sequence)].Y, f.Image.Width, f.Image.Height)
                : null;
            using var sink = new BenchSink(name, preloaded is null || pacedFps > 0 ? null : preloaded.Delivered, score);
            // The pipeline's own log lines (signal, source ended) would interleave with the bench's; warnings only.
            using var pipeline = new FramePipeline(source, upscaler, [sink], new Log(Console.Error, LogLevel.Warn)) { HoldLastFrameAtEnd = false };
            pipeline.Budget = hold ? options.Budget : BudgetOptions.Off;
            pipeline.Start();
            cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(options.WarmupSeconds));

            var sampler = new WindowSampler(probe);
            var snap0 = pipeline.Snapshot();
            long dropped0 = snap0.Drops.Values.Sum(), captured0 = snap0.Frames.Captured, late0 = snap0.Hold?.LateFrames ?? 0;
            var cpu0 = Environment.CpuUsage.TotalTime;
            long t0 = Stopwatch.GetTimestamp();
            marker?.Set(true);
            report.Marker.Edges.Add(new MarkerEdge { TS = Math.Round(since(t0), 4), Mode = name, High = true });
            sampler.Start();
            using (var load = options.Load is null ? null : new CompetingLoad())
            {
                if (options.Load is { } l)
                {
                    // The busy loop runs inside the window only, so the idle baseline and the warm-up stay unloaded.
                    cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(l.Start));
                    load!.Start();
                    cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(l.End - l.Start));
                    load.Stop();
                    cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(Math.Max(0, options.Seconds - l.End)));
                }
                else
                    cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(options.Seconds));
            }
            long t1 = Stopwatch.GetTimestamp();
            marker?.Set(false);
            report.Marker.Edges.Add(new MarkerEdge { TS = Math.Round(since(t1), 4), Mode = name, High = false });
            var cpu1 = Environment.CpuUsage.TotalTime;
            var snap1 = pipeline.Snapshot();
            long dropped1 = snap1.Drops.Values.Sum();
            sampler.Stop();
            pipeline.Stop(TimeSpan.FromSeconds(2));
            cancel.ThrowIfCancellationRequested();

            (report.Source.Width, report.Source.Height) = (source.Width, source.Height);
            report.Source.CorruptFrames = frames?.CorruptFrames ?? Math.Max(report.Source.CorruptFrames, source.CorruptFrames);
            (report.Source.OutputWidth, report.Source.OutputHeight) = (source.Width * upscaler.Scale, source.Height * upscaler.Scale);
            var timed = sink.Between(t0, t1);
            all.AddRange(timed);
            double seconds = (t1 - t0) / (double)Stopwatch.Frequency;
            var r = new ModeResult
            {
                Name = name,
                Engine = mode.Mode.ToString().ToLowerInvariant(),
                Precision = mode.Mode == UpscaleMode.Bicubic ? "none" : upscaler.PrecisionLabel,
                LoadSeconds = Math.Round(loadSeconds, 3),
                Frames = timed.Count,
                Seconds = Math.Round(seconds, 3),
                Fps = Math.Round(timed.Count / seconds, 3),
                Dropped = dropped1 - dropped0,
                StartS = Math.Round(since(t0), 4),
                EndS = Math.Round(since(t1), 4),
                CpuPercent = Math.Round((cpu1 - cpu0).TotalSeconds / seconds * 100, 1),
                RssMbPeak = Math.Round(sampler.PeakRssBytes / 1048576.0, 1),
                MacsRatio = Math.Round(Mean(timed, f => f.MacsRatio), 4),
                Reuse = upscaler.ReuseActive,
                ReusedShare = Math.Round(Mean(timed, f => f.Reused), 4),
                ClassShares = new ClassShareFigures
                {
                    Simple = Math.Round(Mean(timed, f => f.Simple), 4),
                    Medium = Math.Round(Mean(timed, f => f.Medium), 4),
                    Hard = Math.Round(Mean(timed, f => f.Hard), 4),
                },
                LatencyMs = new LatencyBreakdown
                {
                    Queue = Stats(timed, f => f.QueueMs),
                    Upscale = Stats(timed, f => f.UpscaleMs),
                    Classify = Stats(timed, f => f.ClassifyMs),
                    Branches = Stats(timed, f => f.BranchesMs),
                    Deliver = Stats(timed, f => f.DeliverMs),
                    EndToEnd = Stats(timed, f => f.EndToEndMs),
                },
                EndToEndHistogram = HistogramOf(timed.Select(f => f.EndToEndMs).ToArray()),
            };
            if (sampler.Thermal is { } th)
                r.Thermal = th;
            else
                r.ThermalMissing = probe.ThermalMissing;
            r.Throttled = probe.Throttled(out var throttleMissing);
            r.ThrottledMissing = throttleMissing;
            // Read once the trace has moved past the window's end; read at its end, the last stretch would be missing.
            Energy(r, monitor, monitor?.Between(idleStart, idleEnd), t0, t1);
            if (options.Paced)
                r.Paced = Paced(timed, hold, pacedFps > 0 ? pacedFps : source.Fps, snap1.Hold?.BudgetMs ?? 0,
                    snap1.Frames.Captured - captured0, (snap1.Hold?.LateFrames ?? 0) - late0, t0);
            // The engine's own quality, from an empty cache at the full dial.
            upscaler.Dial = Engine.QualityDial.Full;
            Quality(r, upscaler, frames);
            return r;
        }
    }

    PacedResult Paced(List<FrameRecord> timed, bool hold, double fps, double budgetMs, long sourceFrames, long late, long t0)
    {
        double At(FrameRecord f) => (f.ArrivedTicks - t0) / (double)Stopwatch.Frequency;
        double? Psnr(Func<FrameRecord, bool> keep)
        {
            var mse = timed.Where(f => !double.IsNaN(f.Mse) && keep(f)).Select(f => f.Mse).ToList();
            return mse.Count == 0 ? null : Math.Round(Metrics.PooledPsnr(mse.Average()), 3);
        }
        var load = options.Load;
        var p = new PacedResult
        {
            Hold = hold,
            SourceFps = Math.Round(fps, 3),
            BudgetMs = Math.Round(budgetMs, 3),
            SourceFrames = sourceFrames,
            Delivered = timed.Count,
            DeliveredShare = sourceFrames > 0 ? Math.Round(Math.Min(1, timed.Count / (double)sourceFrames), 4) : 0,
            LateFrames = late,
            LoadStartS = load?.Start,
            LoadEndS = load?.End,
            PsnrY = Psnr(_ => true),
            MaxLevel = timed.Count == 0 ? 0 : timed.Max(f => f.Level),
        };
        if (load is { } l)
        {
            p.PsnrYBefore = Psnr(f => At(f) < l.Start);
            p.PsnrYDuring = Psnr(f => At(f) >= l.Start && At(f) < l.End);
            p.PsnrYAfter = Psnr(f => At(f) >= l.End + 3);
            var lastLowered = timed.LastOrDefault(f => f.Level > 0 && At(f) >= l.End);
            p.RecoverySeconds = lastLowered.Mode is null ? 0 : Math.Round(At(lastLowered) - l.End, 3);
        }
        return p;
    }

    void Energy(ModeResult r, PowerMonitor? monitor, EnergyWindow? idle, long t0, long t1)
    {
        if (monitor is null || idle is null)
        {
            r.EnergyMissing = power.Missing ?? "no power sensor";
            return;
        }
        var w = monitor.Between(t0, t1);
        if (w.Samples < 2 || idle.Value.Samples < 2 || r.Frames == 0)
        {
            r.EnergyMissing = $"too few power samples ({w.Samples} in the run, {idle.Value.Samples} idle, {monitor.Errors} read errors" +
                (monitor.LastError is { } e ? $": {e}" : "") + $") or no frames ({r.Frames})";
            return;
        }
        double idleW = idle.Value.MeanWatts, net = w.Joules - idleW * w.Seconds;
        r.Energy = new EnergyResult
        {
            IdleWatts = Math.Round(idleW, 4),
            MeanWatts = Math.Round(w.MeanWatts, 4),
            Joules = Math.Round(w.Joules, 4),
            MjPerFrame = Math.Round(w.Joules / r.Frames * 1000, 3),
            MjPerFrameNet = Math.Round(net / r.Frames * 1000, 3),
            FramesPerJoule = Math.Round(r.Frames / w.Joules, 3),
            Samples = w.Samples,
        };
    }

    void Quality(ModeResult r, Upscaler upscaler, BenchFrames? frames)
    {
        if (frames?.Truth is not { } truth)
        {
            r.QualityMissing = "no ground truth (see source.ground_truth_missing)";
            return;
        }
        int n = Math.Min(options.QualityFrames, truth.Length);
        if (n == 0)
        {
            r.QualityMissing = "--quality-frames 0";
            return;
        }
        var output = upscaler.CreateOutput(frames.Input[0]);
        double mse = 0, ssim = 0;
        // Consecutive frames from the first, in stream order, from an empty cache: with temporal reuse a frame's output
        // depends on the frames before it, and isolated frames would hide staleness.
        upscaler.ResetHistory();
        for (int i = 0; i < n; i++)
        {
            upscaler.Upscale(frames.Input[i], output);
            mse += Metrics.MseY(output.Y, truth[i].Y, output.Width, output.Height);
            ssim += Metrics.SsimY(output.Y, truth[i].Y, output.Width, output.Height);
        }
        double psnr = Metrics.PooledPsnr(mse / n);
        r.Quality = new QualityResult { PsnrY = Math.Round(psnr, 4), SsimY = Math.Round(ssim / n, 5), Frames = n };
    }

    static double Mean(List<FrameRecord> f, Func<FrameRecord, double> pick) => f.Count == 0 ? 0 : f.Average(pick);

    /// <summary>Nearest-rank percentiles.</summary>
    public static Percentiles Stats(List<FrameRecord> frames, Func<FrameRecord, double> pick)
    {
        if (frames.Count == 0)
            return new Percentiles();
        var v = frames.Select(pick).Order().ToArray();
        double P(double p) => Math.Round(v[Math.Clamp((int)Math.Ceiling(p * v.Length) - 1, 0, v.Length - 1)], 3);
        return new Percentiles { P50 = P(0.5), P90 = P(0.9), P99 = P(0.99), Max = Math.Round(v[^1], 3), Mean = Math.Round(v.Average(), 3) };
    }

    /// <summary>30 equal bins from 0 to the largest value, rounded up to a tidy bin width.</summary>
    public static Histogram HistogramOf(double[] values, int bins = 30)
    {
        if (values.Length == 0)
            return new Histogram();
        double raw = values.Max() / bins, mag = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(raw, 1e-3))));
        double width = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * mag).First(x => x >= raw);
        var counts = new int[bins];
        foreach (var x in values)
            counts[Math.Min(bins - 1, (int)(x / width))]++;
        return new Histogram { BinMs = width, Counts = [.. counts] };
    }

    static HostInfo Host()
    {
        string cpu = "";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal) || l.StartsWith("Model", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? "";
        }
        catch (IOException) { }
        return new HostInfo
        {
            Machine = Environment.MachineName,
            Os = RuntimeInformation.OSDescription + " " + RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
            Cpu = cpu,
            Cores = Environment.ProcessorCount,
            Version = typeof(BenchRunner).Assembly.GetName().Version?.ToString(3) ?? "",
        };
    }

    /// <summary>Peak RSS and temperatures over a timed window, read ten times a second on its own thread.</summary>
    sealed class WindowSampler(SystemProbe probe)
    {
        readonly ManualResetEventSlim _stop = new();
        Thread? _thread;
        ZoneTemperature? _first, _max, _last;
        public long PeakRssBytes { get; private set; }

        public ThermalResult? Thermal => _first is { } f && _max is { } m && _last is { } l
            ? new ThermalResult { Zone = m.Zone, StartC = Math.Round(f.Celsius, 1), MaxC = Math.Round(m.Celsius, 1), EndC = Math.Round(l.Celsius, 1) }
            : null;

        public void Start()
        {
            Sample();
            _thread = new Thread(() => { while (!_stop.Wait(100)) Sample(); }) { IsBackground = true, Name = "classsr-bench-probe" };
            _thread.Start();
        }

        public void Stop()
        {
            _stop.Set();
            _thread?.Join();
            Sample();
        }

        void Sample()
        {
            PeakRssBytes = Math.Max(PeakRssBytes, Environment.WorkingSet);
            if (probe.Hottest() is { } t)
            {
                _first ??= t;
                _last = t;
                if (_max is null || t.Celsius > _max.Value.Celsius)
                    _max = t;
            }
        }
    }
}
