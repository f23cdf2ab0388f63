using System.Text.Json.Serialization;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// A point-in-time picture of the daemon, served as /state and turned into /metrics. The pipeline fills its part and
/// each stage then adds its own (Control.StateRegistry); what a sink adds is settable, the rest fixed at creation.
/// </summary>
public sealed class PipelineState
{
    public required SourceState Source { get; init; }
    public required FrameSize Output { get; init; }
    public required string Mode { get; init; }
    public required string Precision { get; init; }
    /// <summary>The model set's scale: the output is this many times the source's size.</summary>
    public int Scale { get; init; }
    public bool NoSignal { get; init; }
    public double UptimeSeconds { get; init; }
    public required StageFigures Fps { get; init; }
    public required StageCounts Frames { get; init; }
    /// <summary>Frames lost per stage: "upscale" (captured, replaced before upscaling), then one per sink.</summary>
    public required Dictionary<string, long> Drops { get; init; }
    /// <summary>Connections refused per sink because it had as many clients as it takes.</summary>
    public Dictionary<string, long> Refused { get; init; } = [];
    public required ClassShares Classes { get; init; }
    public double MacsRatio { get; init; }
    /// <summary>Temporal reuse; null where nothing filled it in.</summary>
    public ReuseState? Reuse { get; init; }
    public required LatencyFigures LatencyMs { get; init; }
    /// <summary>The frame-budget controller; null where nothing filled it in.</summary>
    public HoldState? Hold { get; init; }
    public List<ClientState> Clients { get; init; } = [];
    /// <summary>The frame rings, by stage ("captured", "upscaled"): what the frames the readers share cost.</summary>
    public Dictionary<string, RingState> Rings { get; init; } = [];
    /// <summary>Each sink's own figures, by stage name.</summary>
    public Dictionary<string, SinkState> Sinks { get; init; } = [];
    /// <summary>Where the process's memory is: resident in all, the managed heap's share, and threads.</summary>
    public MemoryState? Memory { get; init; }
}

/// <summary>
/// The process's memory, split so a growth can be told apart: the managed heap (frames, JPEGs, Kestrel's objects)
/// against the rest (ONNX Runtime's arenas, glibc's heap, thread stacks).
/// </summary>
public sealed class MemoryState
{
    public double ResidentMb { get; init; }
    /// <summary>Memory the GC has committed (heap, free space in it, and its bookkeeping) after the last collection.</summary>
    public double ManagedCommittedMb { get; init; }
    /// <summary>Live objects and free space of the managed heap after the last collection.</summary>
    public double ManagedHeapMb { get; init; }
    public double ManagedFragmentedMb { get; init; }
    public int Threads { get; init; }

    public static MemoryState Now()
    {
        var gc = GC.GetGCMemoryInfo();
        const double Mb = 1024 * 1024;
        return new MemoryState
        {
            ResidentMb = Math.Round(Environment.WorkingSet / Mb, 1),
            ManagedCommittedMb = Math.Round(gc.TotalCommittedBytes / Mb, 1),
            ManagedHeapMb = Math.Round(gc.HeapSizeBytes / Mb, 1),
            ManagedFragmentedMb = Math.Round(gc.FragmentedBytes / Mb, 1),
            Threads = ThreadCount(),
        };
    }

    static int ThreadCount()
    {
        try
        {
            return Directory.GetDirectories("/proc/self/task").Length;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}

/// <summary>What one sink has done: frames it handled, frames it lost, and its clients where it has any.</summary>
public sealed class SinkState
{
    public long Frames { get; set; }
    public long Dropped { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Clients { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Refused { get; set; }
}

/// <summary>One frame ring: frames that exist, those lent out, and how many were made and let go so far.</summary>
public sealed class RingState
{
    public int Frames { get; init; }
    public int InUse { get; init; }
    public long Made { get; init; }
    public long LetGo { get; init; }

    public static RingState Of(FrameRing ring) =>
        new() { Frames = ring.Live, InUse = ring.InUse, Made = ring.Allocations, LetGo = ring.Released };

    public static RingState Of<T>(Ring<T> ring) where T : class =>
        new() { Frames = ring.Live, InUse = ring.InUse, Made = ring.Allocations, LetGo = ring.Released };
}

public sealed class SourceState
{
    public required string Name { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }
    public double Fps { get; init; }
    public bool Signal { get; init; }
    /// <summary>The source reached an end it cannot come back from (a file played once, stdin).</summary>
    public bool Ended { get; init; }
    public long CorruptFrames { get; init; }
    public long Reopens { get; init; }
    public string? LastError { get; init; }
}

public sealed class FrameSize
{
    public int Width { get; init; }
    public int Height { get; init; }
}

public sealed class StageFigures
{
    public double Captured { get; init; }
    public double Processed { get; init; }
    public double Encoded { get; set; }
}

public sealed class StageCounts
{
    public long Captured { get; init; }
    public long Processed { get; init; }
    public long Encoded { get; set; }
}

public sealed class ClassShares
{
    public double Simple { get; init; }
    public double Medium { get; init; }
    public double Hard { get; init; }
}

public sealed class ReuseState
{
    /// <summary>On in a mode that runs networks (bicubic has nothing to reuse).</summary>
    public bool Enabled { get; init; }
    /// <summary>Share of the last frame's cells whose output was kept from earlier frames.</summary>
    public double CellsReused { get; init; }
    /// <summary>The same, smoothed over recent frames.</summary>
    public double CellsReusedMean { get; init; }
    public int RefreshEvery { get; init; }
    public double Threshold { get; init; }
    /// <summary>Frames computed in full because the cache could not serve them: first frame, scene cuts, reopened sources.</summary>
    public long CacheResets { get; init; }
}

/// <summary>The frame-budget controller: what it holds to and how far it has turned the quality dial.</summary>
public sealed class HoldState
{
    /// <summary>--target-fps as given: a rate, source or off.</summary>
    public string Target { get; init; } = "off";
    /// <summary>The rate held (0: off, or a source with no rate of its own).</summary>
    public double TargetFps { get; init; }
    /// <summary>The upscale step's budget per frame (0: nothing to hold).</summary>
    public double BudgetMs { get; init; }
    public double AchievedFps { get; init; }
    /// <summary>0 is full quality; each level up is cheaper (the first defers the reuse refresh when reuse is on).</summary>
    public int Level { get; init; }
    public int MaxLevel { get; init; }
    /// <summary>Logits the dial adds to the simple class and takes from the hard one, over --class-bias.</summary>
    public double ClassBias { get; init; }
    public bool DeferRefresh { get; init; }
    public bool Holding { get; init; }
    /// <summary>Frames whose upscale ran over the budget.</summary>
    public long LateFrames { get; init; }
    /// <summary>Captured frames replaced before they were upscaled.</summary>
    public long Dropped { get; init; }
    /// <summary>What the machine says about why frames cost more, while holding.</summary>
    public string? Cause { get; init; }
}

public sealed class LatencyFigures
{
    public double Upscale { get; init; }
    public double Encode { get; set; }
    /// <summary>From the source handing over a frame to its JPEG being ready.</summary>
    public double CaptureToEncoded { get; set; }
}

public sealed class ClientState
{
    /// <summary>classsr, or bicubic for the viewer's split view.</summary>
    public string View { get; init; } = "classsr";
    public long Id { get; init; }
    public required string Remote { get; init; }
    public double Fps { get; init; }
    public long Sent { get; init; }
    /// <summary>Frames this client missed because it was still busy with an older one.</summary>
    public long Skipped { get; init; }
    public double SecondsConnected { get; init; }
    /// <summary>Smoothed time from capture to this client's copy leaving the daemon.</summary>
    public double CaptureToSentMs { get; init; }
}

/// <summary>/classes: which branch each cell of the newest frame went to, for the viewer's overlay.</summary>
public sealed class ClassMapState
{
    public long Sequence { get; init; }
    /// <summary>The low-resolution frame the cells tile.</summary>
    public int SourceWidth { get; init; }
    public int SourceHeight { get; init; }
    public int Tile { get; init; }
    public int Cols { get; init; }
    public int Rows { get; init; }
    /// <summary>One digit per cell, row by row: 0 simple, 1 medium, 2 hard.</summary>
    public string Classes { get; init; } = "";
    /// <summary>One digit per cell, row by row: 1 where the output was kept from an earlier frame (temporal reuse), else 0.</summary>
    public string Reused { get; init; } = "";
}

/// <summary>Source-generated, so /state works under native AOT without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(PipelineState))]
[JsonSerializable(typeof(ClassMapState))]
public sealed partial class StateJson : JsonSerializerContext;
