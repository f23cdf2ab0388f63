namespace ClassSR.Edge.IO.Power.PowerSupply;

/// <summary>
/// /sys/class/power_supply/*/power_now (uW), summed over supplies that have it: a laptop's battery drain,
/// some USB-PD controllers. Falls back to current_now (uA) * voltage_now (uV) per supply.
/// </summary>
public sealed class PowerSupplySensor : IPowerSensor
{
    public const string ClassPath = "/sys/class/power_supply";
    readonly (string Power, string? Volts)[] _supplies;

    PowerSupplySensor((string, string?)[] supplies, string names)
    {
        _supplies = supplies;
        Name = $"power_supply ({names})";
    }

    public string Name { get; }
    public bool Simulated => false;
    // Fuel gauges update every few seconds at best; more often only repeats values.
    public double RateHz => 10;

    public static PowerSupplySensor? Find(string root)
    {
        var found = new List<(string, string?)>();
        var names = new List<string>();
        foreach (var dir in Sysfs.Dirs(Sysfs.Under(root, ClassPath), "*"))
        {
            string power = Path.Combine(dir, "power_now"), current = Path.Combine(dir, "current_now"), volts = Path.Combine(dir, "voltage_now");
            if (File.Exists(power))
                found.Add((power, null));
            else if (File.Exists(current) && File.Exists(volts))
                found.Add((current, volts));
            else
                continue;
            names.Add(Path.GetFileName(dir));
        }
        return found.Count > 0 ? new PowerSupplySensor([.. found], string.Join(" + ", names)) : null;
    }

    public PowerReading Read()
    {
        double watts = 0;
        foreach (var (p, v) in _supplies)
            watts += v is null ? Sysfs.ReadNumber(p) / 1e6 : Math.Abs(Sysfs.ReadNumber(p)) / 1e6 * (Sysfs.ReadNumber(v) / 1e6);
        return new PowerReading(watts);
    }

    public void Dispose() { }
}
