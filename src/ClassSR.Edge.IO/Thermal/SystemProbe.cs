using System.Globalization;
using ClassSR.Edge.IO.Power;

namespace ClassSR.Edge.IO.Thermal;

/// <summary>A thermal zone's name and temperature.</summary>
public readonly record struct ZoneTemperature(string Zone, double Celsius);

/// <summary>
/// What the board says about its own state: temperatures (/sys/class/thermal/thermal_zone*/temp, m°C) and,
/// on a Raspberry Pi, `vcgencmd get_throttled`. The sysfs root and the tool runner are injectable for tests.
/// </summary>
public sealed class SystemProbe(string root = "/", Func<string, string[], string?>? tool = null)
{
    public const string ThermalPath = "/sys/class/thermal";
    readonly Func<string, string[], string?> _tool = tool ?? ExternalTool.Run;

    // Raspberry Pi firmware's get_throttled bits.
    static readonly (int Bit, string Flag)[] ThrottleBits =
    [
        (0, "under-voltage now"), (1, "arm frequency capped now"), (2, "throttled now"), (3, "soft temperature limit now"),
        (16, "under-voltage occurred"), (17, "arm frequency capping occurred"), (18, "throttling occurred"), (19, "soft temperature limit occurred"),
    ];

    /// <summary>The hottest zone now; null when there are no readable zones.</summary>
    public ZoneTemperature? Hottest()
    {
        ZoneTemperature? best = null;
        foreach (var dir in Sysfs.Dirs(Sysfs.Under(root, ThermalPath), "thermal_zone*"))
        {
            try
            {
                double c = Sysfs.ReadNumber(Path.Combine(dir, "temp")) / 1000;
                if (best is null || c > best.Value.Celsius)
                    best = new ZoneTemperature(Sysfs.ReadText(Path.Combine(dir, "type")) ?? Path.GetFileName(dir), c);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Some zones (e.g. a sleeping GPU's) fail to read; the others still count.
            }
        }
        return best;
    }

    public string ThermalMissing => $"no readable thermal zones under {Sysfs.Under(root, ThermalPath)}";

    /// <summary>`vcgencmd get_throttled` decoded; null with a reason when the tool is absent or says something else.</summary>
    public ThrottleResult? Throttled(out string? missing)
    {
        missing = null;
        var text = _tool("vcgencmd", ["get_throttled"]);
        if (text is null)
        {
            missing = "vcgencmd get_throttled is not available (not a Raspberry Pi)";
            return null;
        }
        return ParseThrottled(text) ?? Fail(out missing, $"vcgencmd get_throttled said '{text.Trim()}'");
    }

    static ThrottleResult? Fail(out string? missing, string why)
    {
        missing = why;
        return null;
    }

    /// <summary>Parses "throttled=0x50005".</summary>
    public static ThrottleResult? ParseThrottled(string text)
    {
        var t = text.Trim();
        if (!t.StartsWith("throttled=0x", StringComparison.Ordinal)
            || !uint.TryParse(t.AsSpan("throttled=0x".Length), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint v))
            return null;
        return new ThrottleResult
        {
            Raw = $"0x{v:x}",
            Flags = [.. ThrottleBits.Where(b => (v & (1u << b.Bit)) != 0).Select(b => b.Flag)],
        };
    }
}

/// <summary>`vcgencmd get_throttled` decoded: the raw word and the names of the bits set.</summary>
public sealed class ThrottleResult
{
    public string Raw { get; set; } = "";
    public List<string> Flags { get; set; } = [];
}
