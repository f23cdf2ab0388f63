using System.Text.Json.Serialization;
using ClassSR.Edge.IO.Thermal;

namespace ClassSR.Edge.Bench;

// The JSON a field benchmark writes (schema "classsr-edge-bench/1", documented in docs/bench-schema.md).
// A figure that could not be measured is null with a *_missing string saying why, never a zero.

public sealed class BenchReport
{
    public string Schema { get; set; } = BenchReportFile.SchemaName;
    public string StartedUtc { get; set; } = "";
    public HostInfo Host { get; set; } = new();
    public SourceInfo Source { get; set; } = new();
    public BenchSettings Settings { get; set; } = new();
    public PowerInfo Power { get; set; } = new();
    public MarkerInfo Marker { get; set; } = new();
    public List<ModeResult> Modes { get; set; } = [];
    public PowerTrace? PowerTrace { get; set; }
}

public sealed class HostInfo
{
    public string Machine { get; set; } = "";
    public string Os { get; set; } = "";
    public string Cpu { get; set; } = "";
    public int Cores { get; set; }
    public string Version { get; set; } = "";
}

public sealed class SourceInfo
{
    public string Spec { get; set; } = "";
    /// <summary>"file" (frames preloaded, one in flight, no drops) or "live" (paced by the source, newest wins).</summary>
    public string Kind { get; set; } = "";
    public int Width { get; set; }
    public int Height { get; set; }
    public int OutputWidth { get; set; }
    public int OutputHeight { get; set; }
    /// <summary>Distinct frames of a file source, looped; null for a live source.</summary>
    public int? Frames { get; set; }
    /// <summary>What PSNR/SSIM compare against; null with <see cref="GroundTruthMissing"/> when there is none.</summary>
    public string? GroundTruth { get; set; }
    public string? GroundTruthMissing { get; set; }
    /// <summary>Damaged source frames skipped: while loading a file, or by a live source over the run.</summary>
    public long CorruptFrames { get; set; }
}

public sealed class BenchSettings
{
    public double Seconds { get; set; }
    public double WarmupSeconds { get; set; }
    public double IdleSeconds { get; set; }
    public int QualityFrames { get; set; }
    public int Threads { get; set; }
    public string Models { get; set; } = "";
}

public sealed class PowerInfo
{
    public string? Sensor { get; set; }
    public bool Simulated { get; set; }
    public double? RateHz { get; set; }
    public double? AchievedRateHz { get; set; }
    public long ReadErrors { get; set; }
    public string? Missing { get; set; }
}

public sealed class MarkerInfo
{
    /// <summary>The pin toggled high for each timed run, or null when none was asked for.</summary>
    public string? Pin { get; set; }
    public List<MarkerEdge> Edges { get; set; } = [];
}

public sealed class MarkerEdge
{
    [JsonPropertyName("t_s")]
    public double TS { get; set; }
    public string Mode { get; set; } = "";
    public bool High { get; set; }
}

public sealed class Percentiles
{
    public double P50 { get; set; }
    public double P90 { get; set; }
    public double P99 { get; set; }
    public double Max { get; set; }
    public double Mean { get; set; }
}

public sealed class LatencyBreakdown
{
    /// <summary>Captured until the upscaler took the frame.</summary>
    public Percentiles Queue { get; set; } = new();
    /// <summary>The whole upscale (prepare, classify, plan, branches, chroma).</summary>
    public Percentiles Upscale { get; set; } = new();
    public Percentiles Classify { get; set; } = new();
    public Percentiles Branches { get; set; } = new();
    /// <summary>Upscaled until the sink had it.</summary>
    public Percentiles Deliver { get; set; } = new();
    public Percentiles EndToEnd { get; set; } = new();
}

public sealed class Histogram
{
    public double BinMs { get; set; }
    public List<int> Counts { get; set; } = [];
}

public sealed class ThermalResult
{
    public string Zone { get; set; } = "";
    public double StartC { get; set; }
    public double MaxC { get; set; }
    public double EndC { get; set; }
}

public sealed class ClassShareFigures
{
    public double Simple { get; set; }
    public double Medium { get; set; }
    public double Hard { get; set; }
}

public sealed class QualityResult
{
    public double PsnrY { get; set; }
    public double SsimY { get; set; }
    public int Frames { get; set; }
}

public sealed class EnergyResult
{
    public double IdleWatts { get; set; }
    public double MeanWatts { get; set; }
    public double Joules { get; set; }
    public double MjPerFrame { get; set; }
    public double MjPerFrameNet { get; set; }
    public double FramesPerJoule { get; set; }
    public int Samples { get; set; }
}

public sealed class ModeResult
{
    public string Name { get; set; } = "";
    public string Engine { get; set; } = "";
    public string Precision { get; set; } = "";
    public double LoadSeconds { get; set; }
    public int Frames { get; set; }
    public double Seconds { get; set; }
    public double Fps { get; set; }
    public long Dropped { get; set; }
    public double StartS { get; set; }
    public double EndS { get; set; }
    public LatencyBreakdown LatencyMs { get; set; } = new();
    public Histogram EndToEndHistogram { get; set; } = new();
    /// <summary>Process CPU time over wall time, in percent of one core.</summary>
    public double CpuPercent { get; set; }
    public double RssMbPeak { get; set; }
    public ThermalResult? Thermal { get; set; }
    public string? ThermalMissing { get; set; }
    public ThrottleResult? Throttled { get; set; }
    public string? ThrottledMissing { get; set; }
    public double MacsRatio { get; set; }
    /// <summary>Temporal reuse was on for this mode (never for bicubic, which has nothing to reuse).</summary>
    public bool Reuse { get; set; }
    /// <summary>Mean share of cells per frame whose output was kept from earlier frames; 0 with reuse off.</summary>
    public double ReusedShare { get; set; }
    public ClassShareFigures ClassShares { get; set; } = new();
    public QualityResult? Quality { get; set; }
    public string? QualityMissing { get; set; }
    public EnergyResult? Energy { get; set; }
    public string? EnergyMissing { get; set; }
    /// <summary>With --paced: the source played at its own rate; what was delivered and how it looked.</summary>
    public PacedResult? Paced { get; set; }
}

/// <summary>A paced run: the file played at its own rate, frames the upscaler could not keep up with dropped.</summary>
public sealed class PacedResult
{
    /// <summary>The frame-budget controller was on (the mode's name ends in +hold).</summary>
    public bool Hold { get; set; }
    public double SourceFps { get; set; }
    public double BudgetMs { get; set; }
    /// <summary>Frames the source delivered in the window, and those that reached the sink.</summary>
    public long SourceFrames { get; set; }
    public long Delivered { get; set; }
    public double DeliveredShare { get; set; }
    public long LateFrames { get; set; }
    /// <summary>The competing busy loop (--load), in seconds from the window's start; null: no load.</summary>
    public double? LoadStartS { get; set; }
    public double? LoadEndS { get; set; }
    /// <summary>Pooled PSNR-Y of the delivered frames against their originals: before, during and from 3 s after the load.</summary>
    public double? PsnrY { get; set; }
    public double? PsnrYBefore { get; set; }
    public double? PsnrYDuring { get; set; }
    public double? PsnrYAfter { get; set; }
    /// <summary>The dial's highest level in the window, and the seconds from the load's end to the last frame below full quality.</summary>
    public int MaxLevel { get; set; }
    public double? RecoverySeconds { get; set; }
}

public sealed class PowerTrace
{
    [JsonPropertyName("t_s")]
    public List<double> TS { get; set; } = [];
    public List<double> Watts { get; set; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BenchReport))]
public sealed partial class BenchJson : JsonSerializerContext;

public static class BenchReportFile
{
    public const string SchemaName = "classsr-edge-bench/1";

    public static void Save(string path, BenchReport report) =>
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(report, BenchJson.Default.BenchReport));

    /// <exception cref="IOException">Unreadable, not JSON, or another schema.</exception>
    public static BenchReport Load(string path)
    {
        BenchReport? r;
        try
        {
            r = System.Text.Json.JsonSerializer.Deserialize(File.ReadAllText(path), BenchJson.Default.BenchReport);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new IOException($"{path}: not a bench report ({e.Message.Split(" Path:")[0]})", e);
        }
        if (r is null || r.Schema != SchemaName)
            throw new IOException($"{path}: schema '{r?.Schema}' is not {SchemaName}");
        return r;
    }
}
