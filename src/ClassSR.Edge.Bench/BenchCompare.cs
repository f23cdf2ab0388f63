using System.Globalization;
using System.Text;

namespace ClassSR.Edge.Bench;

/// <summary>`bench --compare A.json B.json`: per mode, what changed from A to B.</summary>
public static class BenchCompare
{
    public static string Describe(BenchReport a, BenchReport b, string nameA, string nameB)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"A: {nameA} ({a.StartedUtc}, {a.Host.Cpu}, power: {a.Power.Sensor ?? "none"})\n");
        sb.Append(inv, $"B: {nameB} ({b.StartedUtc}, {b.Host.Cpu}, power: {b.Power.Sensor ?? "none"})\n");
        if (a.Source.Spec != b.Source.Spec)
            sb.Append(inv, $"note: different sources ({a.Source.Spec} vs {b.Source.Spec})\n");
        sb.Append(inv, $"{"mode",-14} {"fps A",8} {"fps B",8} {"change",8}   {"e2e p50 A",9} {"e2e p50 B",9}   {"mJ/frame A",10} {"mJ/frame B",10}   {"PSNR A",7} {"PSNR B",7}\n");
        var names = a.Modes.Select(m => m.Name).Concat(b.Modes.Select(m => m.Name)).Distinct();
        foreach (var n in names)
        {
            var x = a.Modes.FirstOrDefault(m => m.Name == n);
            var y = b.Modes.FirstOrDefault(m => m.Name == n);
            sb.Append(inv, $"{n,-14} {Num(x?.Fps, "0.00"),8} {Num(y?.Fps, "0.00"),8} {Change(x?.Fps, y?.Fps),8}   ")
              .Append(inv, $"{Num(x?.LatencyMs.EndToEnd.P50, "0.0"),9} {Num(y?.LatencyMs.EndToEnd.P50, "0.0"),9}   ")
              .Append(inv, $"{Num(x?.Energy?.MjPerFrame, "0.0"),10} {Num(y?.Energy?.MjPerFrame, "0.0"),10}   ")
              .Append(inv, $"{Num(x?.Quality?.PsnrY, "0.00"),7} {Num(y?.Quality?.PsnrY, "0.00"),7}\n");
        }
        return sb.ToString();
    }

    static string Num(double? v, string format) => v?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    /// <summary>B relative to A in percent; "-" where either side is missing or A is zero.</summary>
    public static string Change(double? a, double? b) =>
        a is { } x && b is { } y && x != 0 ? ((y - x) / x * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%" : "-";
}
