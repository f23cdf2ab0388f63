using System.Globalization;
using System.Text;
using ClassSR.Edge.Daemon.Pipeline;

namespace ClassSR.Edge.Daemon.Control;

/// <summary>/metrics in the Prometheus text exposition format (version 0.0.4).</summary>
public static class PrometheusText
{
    public static string Format(PipelineState s)
    {
        var b = new StringBuilder(2048);
        Family(b, "classsr_frames_captured_total", "counter", "Frames read from the source.");
        Sample(b, "classsr_frames_captured_total", null, null, s.Frames.Captured);
        Family(b, "classsr_frames_processed_total", "counter", "Frames upscaled.");
        Sample(b, "classsr_frames_processed_total", null, null, s.Frames.Processed);
        Family(b, "classsr_frames_encoded_total", "counter", "Frames encoded as JPEG for HTTP clients.");
        Sample(b, "classsr_frames_encoded_total", null, null, s.Frames.Encoded);
        Family(b, "classsr_frames_dropped_total", "counter", "Frames replaced by a newer one before the stage took them.");
        foreach (var (stage, n) in s.Drops)
            Sample(b, "classsr_frames_dropped_total", "stage", stage, n);
        if (s.Refused.Count > 0)
        {
            Family(b, "classsr_clients_refused_total", "counter", "Connections refused because the sink had as many clients as it takes.");
            foreach (var (sink, n) in s.Refused)
                Sample(b, "classsr_clients_refused_total", "sink", sink, n);
        }
        Family(b, "classsr_source_corrupt_frames_total", "counter", "Damaged source frames skipped.");
        Sample(b, "classsr_source_corrupt_frames_total", null, null, s.Source.CorruptFrames);
        Family(b, "classsr_source_reopens_total", "counter", "Attempts to open the source again after it failed.");
        Sample(b, "classsr_source_reopens_total", null, null, s.Source.Reopens);
        Family(b, "classsr_source_signal", "gauge", "1 while the source delivers frames, 0 while NO SIGNAL is shown.");
        Sample(b, "classsr_source_signal", null, null, s.NoSignal ? 0 : 1);
        Family(b, "classsr_fps", "gauge", "Frames per second over the last two seconds, per stage.");
        Sample(b, "classsr_fps", "stage", "captured", s.Fps.Captured);
        Sample(b, "classsr_fps", "stage", "processed", s.Fps.Processed);
        Sample(b, "classsr_fps", "stage", "encoded", s.Fps.Encoded);
        Family(b, "classsr_class_share", "gauge", "Share of the last frame's tiles routed to each branch.");
        Sample(b, "classsr_class_share", "class", "simple", s.Classes.Simple);
        Sample(b, "classsr_class_share", "class", "medium", s.Classes.Medium);
        Sample(b, "classsr_class_share", "class", "hard", s.Classes.Hard);
        Family(b, "classsr_macs_ratio", "gauge", "MACs of the last frame relative to the large branch on the whole frame.");
        Sample(b, "classsr_macs_ratio", null, null, s.MacsRatio);
        if (s.Reuse is { } r)
        {
            Family(b, "classsr_cells_reused_ratio", "gauge", "Share of the last frame's cells whose output was kept from earlier frames (temporal reuse).");
            Sample(b, "classsr_cells_reused_ratio", null, null, r.CellsReused);
            Family(b, "classsr_reuse_cache_resets_total", "counter", "Frames computed in full because the reuse cache could not serve them (first frame, scene cut, reopened source, NO SIGNAL card, colour range change).");
            Sample(b, "classsr_reuse_cache_resets_total", null, null, r.CacheResets);
        }
        if (s.Hold is { } h)
        {
            Family(b, "classsr_hold_target_fps", "gauge", "The frame rate the frame-budget controller holds (0: off or unpaced source).");
            Sample(b, "classsr_hold_target_fps", null, null, h.TargetFps);
            Family(b, "classsr_hold_budget_seconds", "gauge", "The upscale step's budget per frame.");
            Sample(b, "classsr_hold_budget_seconds", null, null, h.BudgetMs / 1000);
            Family(b, "classsr_hold_level", "gauge", "The quality dial's level: 0 full quality, each level above cheaper.");
            Sample(b, "classsr_hold_level", null, null, h.Level);
            Family(b, "classsr_hold_class_bias", "gauge", "Logits the controller moves from the hard class to the simple one.");
            Sample(b, "classsr_hold_class_bias", null, null, h.ClassBias);
            Family(b, "classsr_hold_active", "gauge", "1 while the controller holds the frame rate below full quality.");
            Sample(b, "classsr_hold_active", null, null, h.Holding ? 1 : 0);
            Family(b, "classsr_frames_late_total", "counter", "Frames whose upscale ran over the budget.");
            Sample(b, "classsr_frames_late_total", null, null, h.LateFrames);
        }
        Family(b, "classsr_stage_latency_seconds", "gauge", "Smoothed time per stage.");
        Sample(b, "classsr_stage_latency_seconds", "stage", "upscale", s.LatencyMs.Upscale / 1000);
        Sample(b, "classsr_stage_latency_seconds", "stage", "encode", s.LatencyMs.Encode / 1000);
        Sample(b, "classsr_stage_latency_seconds", "stage", "capture_to_encoded", s.LatencyMs.CaptureToEncoded / 1000);
        if (s.Rings.Count > 0)
        {
            Family(b, "classsr_ring_frames", "gauge", "Frames a ring holds, lent out or idle.");
            foreach (var (ring, figures) in s.Rings)
                Sample(b, "classsr_ring_frames", "ring", ring, figures.Frames);
            Family(b, "classsr_ring_frames_made_total", "counter", "Frames a ring has made (up to the readers' peak, then none while they stay).");
            foreach (var (ring, figures) in s.Rings)
                Sample(b, "classsr_ring_frames_made_total", "ring", ring, figures.Made);
        }
        if (s.Memory is { } m)
        {
            Family(b, "classsr_resident_bytes", "gauge", "Resident memory of the process.");
            Sample(b, "classsr_resident_bytes", null, null, m.ResidentMb * 1048576);
            Family(b, "classsr_managed_committed_bytes", "gauge", "Memory the managed heap has committed.");
            Sample(b, "classsr_managed_committed_bytes", null, null, m.ManagedCommittedMb * 1048576);
            Family(b, "classsr_threads", "gauge", "Threads of the process.");
            Sample(b, "classsr_threads", null, null, m.Threads);
        }
        Family(b, "classsr_stream_clients", "gauge", "Connected /stream clients.");
        Sample(b, "classsr_stream_clients", null, null, s.Clients.Count);
        Family(b, "classsr_uptime_seconds", "gauge", "Seconds since the pipeline started.");
        Sample(b, "classsr_uptime_seconds", null, null, s.UptimeSeconds);
        return b.ToString();
    }

    static void Family(StringBuilder b, string name, string type, string help) =>
        b.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
         .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    static void Sample(StringBuilder b, string name, string? label, string? value, double sample)
    {
        b.Append(name);
        if (label != null)
            b.Append('{').Append(label).Append("=\"").Append(Escape(value!)).Append("\"}");
        b.Append(' ').Append(double.IsFinite(sample) ? sample.ToString("R", CultureInfo.InvariantCulture) : "NaN").Append('\n');
    }

    static string Escape(string v) => v.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
