using System.Globalization;
using ClassSR.Edge.IO.Thermal;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// Why frames cost more than they did, where the machine says: other processes' CPU time and steal (from
/// /proc/stat against this process's own time in /proc/self/stat), a Raspberry Pi's throttling flags
/// (<c>vcgencmd get_throttled</c>), a hot thermal zone. Read when the controller starts holding, off the upscale thread.
/// </summary>
public sealed class HoldCause(SystemProbe probe, string procRoot = "/proc")
{
    public const double HotCelsius = 75;

    /// <summary>CPU time in clock ticks: every CPU's busy and steal time (/proc/stat's first line), and this process's.</summary>
    public readonly record struct CpuTimes(long Busy, long Steal, long Total, long Self);

    public CpuTimes? Sample()
    {
        try
        {
            var cpu = File.ReadLines(Path.Combine(procRoot, "stat")).First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // cpu user nice system idle iowait irq softirq steal ...
            long F(int i) => i < cpu.Length ? long.Parse(cpu[i], CultureInfo.InvariantCulture) : 0;
            long idle = F(4) + F(5), steal = F(8), total = 0;
            for (int i = 1; i <= 8 && i < cpu.Length; i++)
                total += F(i);
            string self = File.ReadAllText(Path.Combine(procRoot, "self", "stat"));
            // The command name may hold spaces and parentheses: the fields start after the last ')'.
            var rest = self[(self.LastIndexOf(')') + 2)..].Split(' ');
            long mine = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
            return new CpuTimes(total - idle - steal, steal, total, mine);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException
            or ArgumentOutOfRangeException or InvalidOperationException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>The causes readable between two samples, in words; "none readable" when the machine says nothing.</summary>
    public string Describe(CpuTimes? before, CpuTimes? after, int cores)
    {
        var causes = new List<string>();
        if (before is { } a && after is { } b && b.Total > a.Total)
        {
            double span = b.Total - a.Total;
            double others = Math.Max(0, (b.Busy - a.Busy) - (b.Self - a.Self)) / span * cores;
            if (others >= 0.25)
                causes.Add(string.Create(CultureInfo.InvariantCulture, $"other processes use {others:0.0} of {cores} cores"));
            double steal = (b.Steal - a.Steal) / span;
            if (steal >= 0.05)
                causes.Add(string.Create(CultureInfo.InvariantCulture, $"CPU steal {steal:P0}"));
        }
        if (probe.Throttled(out _) is { } t && t.Flags.Any(f => f.EndsWith(" now", StringComparison.Ordinal)))
            causes.Add("vcgencmd: " + string.Join(", ", t.Flags.Where(f => f.EndsWith(" now", StringComparison.Ordinal))));
        if (probe.Hottest() is { } z && z.Celsius >= HotCelsius)
            causes.Add(string.Create(CultureInfo.InvariantCulture, $"{z.Zone} at {z.Celsius:0} °C"));
        return causes.Count == 0 ? "none readable (a busier scene?)" : string.Join("; ", causes);
    }
}
