using System.Globalization;
using System.Text;

namespace ClassSR.Edge.Bench;

/// <summary>Per-frame samples of the timed windows, one row per frame, with the power drawn when it arrived.</summary>
public static class BenchCsv
{
    public const string Header = "mode,sequence,t_s,queue_ms,upscale_ms,classify_ms,branches_ms,deliver_ms,end_to_end_ms,macs_ratio,simple,medium,hard,reused,hold_level,watts";

    public static void Write(string path, BenchResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var trace = result.Trace;
        var sb = new StringBuilder(Header).Append('\n');
        int k = 0;
        foreach (var f in result.Frames.OrderBy(f => f.ArrivedTicks))
        {
            // The trace and the frames are both in time order: walk the trace once.
            while (k + 1 < trace.Length && trace[k + 1].Ticks <= f.ArrivedTicks)
                k++;
            string watts = trace.Length == 0 ? "" : trace[k].Watts.ToString("0.####", inv);
            double t = (f.ArrivedTicks - result.StartTicks) / (double)System.Diagnostics.Stopwatch.Frequency;
            sb.Append(inv, $"{f.Mode},{f.Sequence},{t:0.######},{f.QueueMs:0.###},{f.UpscaleMs:0.###},{f.ClassifyMs:0.###},{f.BranchesMs:0.###},")
              .Append(inv, $"{f.DeliverMs:0.###},{f.EndToEndMs:0.###},{f.MacsRatio:0.####},{f.Simple:0.####},{f.Medium:0.####},{f.Hard:0.####},{f.Reused:0.####},{f.Level},{watts}\n");
        }
        File.WriteAllText(path, sb.ToString());
    }
}
