namespace ClassSR.Edge.IO.Power.Ina3221;

/// <summary>
/// The INA3221 as Jetson kernels expose it through hwmon: per channel inN_label (the rail), inN_input (bus
/// mV) and currN_input (mA). The board's total is the VDD_IN rail when one is labelled (the module input,
/// which the other rails are part of); otherwise the labelled rails are summed.
/// </summary>
public sealed class Ina3221Hwmon : IPowerSensor
{
    public const string TotalRail = "VDD_IN";
    public const string DevicesPath = "/sys/bus/i2c/devices";

    public sealed record Channel(string Label, string MillivoltsPath, string MilliampsPath);

    readonly Channel[] _channels;

    Ina3221Hwmon(string dir, Channel[] channels)
    {
        Directory = dir;
        var total = channels.FirstOrDefault(c => c.Label == TotalRail);
        _channels = total is null ? channels : [total];
        Name = $"ina3221 hwmon {dir} ({string.Join(" + ", _channels.Select(c => c.Label))})";
    }

    public string Directory { get; }
    public string Name { get; }
    public bool Simulated => false;
    // The driver averages over its own conversion window; 100 Hz reads each new value about once.
    public double RateHz => 100;
    public IReadOnlyList<Channel> Channels => _channels;

    /// <summary>The first hwmon folder under root/sys/bus/i2c/devices with labelled voltage and current channels.</summary>
    public static Ina3221Hwmon? Find(string root)
    {
        foreach (var dev in Sysfs.Dirs(Sysfs.Under(root, DevicesPath), "*"))
            foreach (var hw in Sysfs.Dirs(Path.Combine(dev, "hwmon"), "hwmon*"))
            {
                var channels = new List<Channel>();
                foreach (var label in System.IO.Directory.GetFiles(hw, "in*_label").Order(StringComparer.Ordinal))
                {
                    string n = Path.GetFileName(label)[2..^"_label".Length];
                    string mv = Path.Combine(hw, $"in{n}_input"), ma = Path.Combine(hw, $"curr{n}_input");
                    if (File.Exists(mv) && File.Exists(ma) && Sysfs.ReadText(label) is { Length: > 0 } l)
                        channels.Add(new Channel(l, mv, ma));
                }
                if (channels.Count > 0)
                    return new Ina3221Hwmon(hw, [.. channels]);
            }
        return null;
    }

    public PowerReading Read()
    {
        double watts = 0, volts = 0, amps = 0;
        foreach (var c in _channels)
        {
            double v = Sysfs.ReadNumber(c.MillivoltsPath) / 1000, a = Sysfs.ReadNumber(c.MilliampsPath) / 1000;
            watts += v * a;
            volts = v;
            amps += a;
        }
        return _channels.Length == 1 ? new PowerReading(watts, volts, amps) : new PowerReading(watts);
    }

    public void Dispose() { }
}

/// <summary>
/// The older iio layout of the same chip (Jetson TX1/TX2, Nano on L4T 32): in_powerN_input in mW, with the
/// rail in rail_name_N. VDD_IN (or POM_5V_IN on the Nano) when present, else every channel summed.
/// </summary>
public sealed class Ina3221Iio : IPowerSensor
{
    static readonly string[] TotalRails = [Ina3221Hwmon.TotalRail, "POM_5V_IN"];
    readonly (string Rail, string Path)[] _channels;

    Ina3221Iio(string dir, (string Rail, string Path)[] channels)
    {
        var total = channels.Where(c => TotalRails.Contains(c.Rail)).Take(1).ToArray();
        _channels = total.Length == 1 ? total : channels;
        Name = $"ina3221 iio {dir} ({string.Join(" + ", _channels.Select(c => c.Rail))})";
    }

    public string Name { get; }
    public bool Simulated => false;
    public double RateHz => 100;

    public static Ina3221Iio? Find(string root)
    {
        foreach (var dev in Sysfs.Dirs(Sysfs.Under(root, Ina3221Hwmon.DevicesPath), "*"))
            foreach (var iio in Sysfs.Dirs(dev, "iio:device*"))
            {
                var channels = new List<(string, string)>();
                foreach (var p in System.IO.Directory.GetFiles(iio, "in_power*_input").Order(StringComparer.Ordinal))
                {
                    string n = Path.GetFileName(p)["in_power".Length..^"_input".Length];
                    channels.Add((Sysfs.ReadText(Path.Combine(iio, $"rail_name_{n}")) ?? $"channel {n}", p));
                }
                if (channels.Count > 0)
                    return new Ina3221Iio(iio, [.. channels]);
            }
        return null;
    }

    public PowerReading Read()
    {
        double mw = 0;
        foreach (var (_, p) in _channels)
            mw += Sysfs.ReadNumber(p);
        return new PowerReading(mw / 1000);
    }

    public void Dispose() { }
}
