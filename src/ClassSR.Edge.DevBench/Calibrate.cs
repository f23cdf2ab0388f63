using ClassSR.Edge.Engine;
using ClassSR.Edge.Inference;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.DevBench;

/// <summary>
/// Measures what one branch run costs beyond its pixels: each branch is timed on regions from one tile with its halo to
/// a whole 320x180 frame, and t = a + b * pixels is fitted. a / b * MACs-per-pixel is the run's fixed cost in MACs,
/// the figure the region planner weighs against halos (EngineOptions.RunOverheadMacs).
/// </summary>
internal static class Calibrate
{
    static readonly (int W, int H)[] Shapes = [(46, 46), (78, 46), (110, 78), (174, 110), (320, 180)];

    public static int RunOverhead(ModelSet set, int threads)
    {
        Console.WriteLine($"calibrate: branch run time vs region pixels, {threads} threads");
        Console.WriteLine("branch        precision   per run ms   per Mpx ms   fixed cost in MACs");
        foreach (var precision in new[] { Precision.Int8, Precision.Fp32 })
            foreach (var role in Roles.Branches)
            {
                using var net = new OnnxNet(set, set.Find(role, precision), threads);
                var (a, b) = net.RunCost(Shapes, 15);
                Console.WriteLine($"{role,-13} {precision.ToString().ToLowerInvariant(),-9} {a,10:F3} {b * 1e6,12:F2} {a / b * net.MacsPerLrPixel,20:E2}");
            }
        return 0;
    }
}
