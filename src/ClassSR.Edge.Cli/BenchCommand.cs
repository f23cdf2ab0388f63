using ClassSR.Edge.IO.Gpio;
using System.Globalization;
using System.Text;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Bench;
using ClassSR.Edge.IO.Thermal;
using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.IO.Power;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Cli;

/// <summary>`classsr-edge bench`: the field benchmark (modes x fps, latency, CPU, heat, quality, energy) and --compare.</summary>
public static class BenchCommand
{
    static readonly HashSet<string> Flags = Args.Switches("hr", "paced");

    public static int Run(ReadOnlySpan<string> argv)
    {
        var a = new Args(argv, Flags);
        if (a.Get("compare") is { } first)
            return Compare(a, first);
        if (a.Positional.Count != 0)
            throw new UsageException($"bench takes no positional arguments (got '{a.Positional[0]}')");
        var given = a.Bind(OptionTable.Bench);
        string? configPath = given.Get(OptionTable.Config);
        var values = given.Over(ConfigFile.Load(configPath ?? ConfigFile.DefaultPath, optional: configPath is null));
        string outDir = a.Get("out") ?? "bench-out";
        string root = a.Get("sysfs-root") ?? "/";
        string powerSpec = values.Get(OptionTable.Power);
        string? markerSpec = values.Get(OptionTable.MarkerPin);
        // Temporal reuse, as the daemon runs video (see RunCommand.Resolve).
        var reuse = OptionTable.EngineOf(values, video: true);
        BenchOptions options;
        try
        {
            options = new BenchOptions
            {
                Source = values.Get(OptionTable.Source),
                Raw = values.Get(OptionTable.Raw),
                Fps = values.Get(OptionTable.Fps),
                GroundTruth = a.Flag("hr"),
                Seconds = Positive(a, "seconds", 5),
                WarmupSeconds = NonNegative(a, "warmup", 1),
                IdleSeconds = NonNegative(a, "idle", 2),
                // With temporal reuse a frame's output depends on the frames before it: score a run of them, in order.
                QualityFrames = a.Int("quality-frames", reuse.Reuse ? 30 : 5),
                MaxFrames = Math.Max(1, a.Int("max-frames", 60)),
                Modes = a.Get("modes") is { } m ? BenchMode.Parse(m) : BenchMode.All,
                Threads = reuse.Threads,
                Models = OptionTable.ModelsDirectory(values),
                Scale = values.Get(OptionTable.Scale),
                PowerRateHz = a.Get("power-rate") is null ? null : Positive(a, "power-rate", 100),
                Paced = a.Flag("paced"),
                Budget = OptionTable.BudgetOf(values),
                Load = a.Get("load") is { } load ? ParseLoad(load) : null,
            };
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        a.RejectUnknown();
        if (options.Load is { } l && l.End > options.Seconds)
            throw new UsageException($"--load {l.Start.ToString(CultureInfo.InvariantCulture)}-{l.End.ToString(CultureInfo.InvariantCulture)} ends after the {options.Seconds.ToString(CultureInfo.InvariantCulture)} s window (--seconds)");
        if (options.Modes.Count == 0)
            throw new UsageException("--modes names no mode");

        var models = ModelSet.Load(options.Models);
        PowerChoice power;
        try
        {
            power = PowerSensors.Open(powerSpec, root);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        using var marker = markerSpec switch
        {
            null or "none" => null,
            // The table checked it: a line number.
            var s => (IMarkerPin)new GpioMarkerPin(int.Parse(s, CultureInfo.InvariantCulture)),
        };
        var log = Log.Stderr();
        log.Info($"bench: {options.Modes.Count} modes x ({options.IdleSeconds} s idle + {options.WarmupSeconds} s warm-up + {options.Seconds} s), " +
            $"power: {power.Sensor?.Name ?? power.Missing}");
        using var stop = new CancellationTokenSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        var runner = new BenchRunner(options,
            // As the daemon runs video (see RunCommand.Resolve).
            m =>
            {
                var o = m.Options(options.Threads);
                (o.Reuse, o.ReuseThreshold, o.RefreshEvery) = (reuse.Reuse, reuse.ReuseThreshold, reuse.RefreshEvery);
                return new Upscaler(models, o);
            },
            power, marker, new SystemProbe(root), log);
        BenchResult result;
        try
        {
            result = runner.Run(stop.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("classsr-edge: bench interrupted; nothing written");
            return 130;
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        Directory.CreateDirectory(outDir);
        string json = Path.Combine(outDir, "bench.json"), csv = Path.Combine(outDir, "bench.csv"), html = Path.Combine(outDir, "bench.html");
        BenchReportFile.Save(json, result.Report);
        BenchCsv.Write(csv, result);
        File.WriteAllText(html, BenchHtml.Render(result.Report));
        Console.Write(Summary(result.Report));
        Console.WriteLine($"wrote {json}, {csv}, {html}");
        return 0;
    }

    static int Compare(Args a, string first)
    {
        if (a.Positional.Count != 1)
            throw new UsageException("bench --compare takes two reports: --compare A.json B.json");
        string second = a.Positional[0];
        a.RejectUnknown();
        Console.Write(BenchCompare.Describe(BenchReportFile.Load(first), BenchReportFile.Load(second), first, second));
        return 0;
    }

    public static string Summary(BenchReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"{"mode",-14} {"precision",-44} {"reuse",6} {"fps",7} {"e2e p50",8} {"p99",7} {"CPU %",6} {"PSNR-Y",7} {"W",6} {"mJ/frame",9}\n");
        foreach (var m in r.Modes)
            sb.Append(inv, $"{m.Name,-14} {m.Precision,-44} {(m.Reuse ? m.ReusedShare.ToString("P0", inv) : "off"),6} {m.Fps,7:0.00} {m.LatencyMs.EndToEnd.P50,8:0.0} {m.LatencyMs.EndToEnd.P99,7:0.0} {m.CpuPercent,6:0} ")
              .Append(inv, $"{(m.Quality is { } q ? q.PsnrY.ToString("0.00", inv) : "-"),7} {(m.Energy is { } e ? e.MeanWatts.ToString("0.00", inv) : "-"),6} ")
              .Append(inv, $"{(m.Energy is { } e2 ? e2.MjPerFrame.ToString("0.0", inv) : "-"),9}\n");
        if (r.Modes.Any(m => m.Paced != null))
        {
            sb.Append(inv, $"\npaced at the source's rate{(r.Modes.FirstOrDefault(m => m.Paced?.LoadStartS != null)?.Paced is { } pl ? string.Create(inv, $", a busy loop on one core from {pl.LoadStartS} to {pl.LoadEndS} s") : "")}:\n");
            sb.Append(inv, $"{"mode",-18} {"delivered",10} {"late",5} {"p99 ms",7} {"PSNR-Y",7} {"before",7} {"during",7} {"after",7} {"level",5} {"back in s",9}\n");
            string D(double? v) => v is { } x ? x.ToString("0.00", inv) : "-";
            foreach (var m in r.Modes.Where(m => m.Paced != null))
            {
                var p = m.Paced!;
                sb.Append(inv, $"{m.Name,-18} {p.DeliveredShare,10:P1} {p.LateFrames,5} {m.LatencyMs.EndToEnd.P99,7:0.0} {D(p.PsnrY),7} {D(p.PsnrYBefore),7} {D(p.PsnrYDuring),7} {D(p.PsnrYAfter),7} {p.MaxLevel,5} {D(p.RecoverySeconds),9}\n");
            }
        }
        sb.Append(r.Power.Sensor is { } s ? $"power: {s}{(r.Power.Simulated ? " (SIMULATED)" : "")}, sampled at {r.Power.AchievedRateHz?.ToString("0.#", inv)} Hz\n"
            : $"energy not measured: {r.Power.Missing}\n");
        return sb.ToString();
    }

    /// <summary>--load START-END: seconds into each timed window.</summary>
    static (double, double) ParseLoad(string text)
    {
        var parts = text.Split('-');
        if (parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double a)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double b) && a >= 0 && b > a)
            return (a, b);
        throw new UsageException($"--load: '{text}' is not START-END in seconds (0 <= START < END)");
    }

    static double Positive(Args a, string name, double fallback)
    {
        double v = a.Double(name, fallback);
        return v > 0 ? v : throw new UsageException($"--{name} {v.ToString(CultureInfo.InvariantCulture)} is not positive");
    }

    static double NonNegative(Args a, string name, double fallback)
    {
        double v = a.Double(name, fallback);
        return v >= 0 ? v : throw new UsageException($"--{name} {v.ToString(CultureInfo.InvariantCulture)} is negative");
    }
}
