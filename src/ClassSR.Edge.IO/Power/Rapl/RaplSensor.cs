using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ClassSR.Edge.IO.Power.Rapl;

/// <summary>
/// Linux powercap RAPL (x86 packages): each top-level zone's energy_uj counter, unwrapped with
/// max_energy_range_uj, summed over packages. The energy counter is used as it is; watts are its slope
/// since the previous read.
/// </summary>
public sealed partial class RaplSensor : IPowerSensor
{
    public const string PowercapPath = "/sys/class/powercap";

    sealed class Zone(string energyPath, double rangeUj)
    {
        public string EnergyPath = energyPath;
        public double RangeUj = rangeUj;
        public double? LastUj;
        public double TotalUj;
    }

    readonly Zone[] _zones;
    long _lastTicks;
    double _lastJoules;

    RaplSensor(Zone[] zones, string names)
    {
        _zones = zones;
        Name = $"powercap rapl ({names})";
    }

    public string Name { get; }
    public bool Simulated => false;
    // The counter updates about every millisecond; 100 Hz gives a smooth power trace.
    public double RateHz => 100;

    /// <summary>The package zones under root/sys/class/powercap; null and why when there are none or they cannot be read.</summary>
    public static RaplSensor? Find(string root, out string? why)
    {
        why = null;
        var zones = new List<Zone>();
        var names = new List<string>();
        foreach (var dir in Sysfs.Dirs(Sysfs.Under(root, PowercapPath), "intel-rapl:*"))
        {
            if (!TopLevel().IsMatch(Path.GetFileName(dir)))
                continue;
            string energy = Path.Combine(dir, "energy_uj");
            if (!File.Exists(energy))
                continue;
            try
            {
                Sysfs.ReadNumber(energy);
                zones.Add(new Zone(energy, Sysfs.ReadNumber(Path.Combine(dir, "max_energy_range_uj"))));
                names.Add(Sysfs.ReadText(Path.Combine(dir, "name")) ?? Path.GetFileName(dir));
            }
            catch (IOException e)
            {
                // Since 2020 kernels make energy_uj readable by root only.
                why = $"RAPL present but unreadable ({e.Message.Split(": ")[^1]}); run as root";
            }
        }
        return zones.Count > 0 ? new RaplSensor([.. zones], string.Join(" + ", names)) : null;
    }

    /// <summary>Joules counted since the first read, over every package.</summary>
    public double ReadJoules()
    {
        double total = 0;
        foreach (var z in _zones)
        {
            double uj = Sysfs.ReadNumber(z.EnergyPath);
            if (z.LastUj is { } last)
                z.TotalUj += uj >= last ? uj - last : uj + z.RangeUj - last;
            z.LastUj = uj;
            total += z.TotalUj;
        }
        return total / 1e6;
    }

    public PowerReading Read()
    {
        double joules = ReadJoules();
        long now = Stopwatch.GetTimestamp();
        double dt = (now - _lastTicks) / (double)Stopwatch.Frequency;
        double watts = _lastTicks == 0 || dt <= 0 ? 0 : (joules - _lastJoules) / dt;
        (_lastTicks, _lastJoules) = (now, joules);
        return new PowerReading(watts, EnergyJoules: joules);
    }

    public void Dispose() { }

    [GeneratedRegex(@"^intel-rapl:\d+$")]
    private static partial Regex TopLevel();
}
