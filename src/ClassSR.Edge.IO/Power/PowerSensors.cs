using System.Device.I2c;
using System.Globalization;
using ClassSR.Edge.IO.Power.Ina219;
using ClassSR.Edge.IO.Power.Ina226;
using ClassSR.Edge.IO.Power.Ina3221;
using ClassSR.Edge.IO.Power.PiPmic;
using ClassSR.Edge.IO.Power.PowerSupply;
using ClassSR.Edge.IO.Power.Rapl;

namespace ClassSR.Edge.IO.Power;

/// <summary>The sensor a benchmark measures with, or why there is none.</summary>
public sealed record PowerChoice(IPowerSensor? Sensor, string? Missing);

/// <summary>Opens the sensor a spec names (flag --power or the config key "power"), or finds one.</summary>
public static class PowerSensors
{
    public const string Specs = "auto, none, ina219:BUS:ADDR:OHMS:AMPS, ina226:BUS:ADDR:OHMS:AMPS, " +
        "ina3221-hwmon, ina3221-iio, pi5-pmic, rapl, power-supply";

    /// <param name="root">Where /sys is looked for ("/" except in tests).</param>
    /// <exception cref="FormatException">The spec is not one of <see cref="Specs"/>.</exception>
    /// <exception cref="IOException">A sensor named explicitly is not there.</exception>
    public static PowerChoice Open(string spec, string root = "/", Func<PiPmicAdc?>? findPmic = null)
    {
        findPmic ??= PiPmicAdc.Find;
        var parts = spec.Split(':');
        switch (parts[0])
        {
            case "auto":
                return Detect(root, findPmic);
            case "none":
                return new PowerChoice(null, "no power sensor: --power none");
            case "ina219" or "ina226":
                var (bus, address, ohms, amps) = ParseI2c(spec, parts);
                I2cDevice device;
                try
                {
                    device = I2cDevice.Create(new I2cConnectionSettings(bus, address));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new IOException($"--power {spec}: cannot open /dev/i2c-{bus}: {e.Message}", e);
                }
                try
                {
                    return new PowerChoice(parts[0] == "ina219"
                        ? new Ina219Sensor(device, ohms, amps) : new Ina226Sensor(device, ohms, amps), null);
                }
                catch
                {
                    device.Dispose();
                    throw;
                }
            case "ina3221-hwmon":
                return Required(spec, Ina3221Hwmon.Find(root), $"no labelled hwmon channels under {Sysfs.Under(root, Ina3221Hwmon.DevicesPath)}");
            case "ina3221-iio":
                return Required(spec, Ina3221Iio.Find(root), $"no in_power*_input under {Sysfs.Under(root, Ina3221Hwmon.DevicesPath)}/*/iio:device*");
            case "pi5-pmic":
                return Required(spec, findPmic(), "vcgencmd pmic_read_adc is not available or lists no rails");
            case "rapl":
                var rapl = RaplSensor.Find(root, out var why);
                return Required(spec, rapl, why ?? $"no intel-rapl zones under {Sysfs.Under(root, RaplSensor.PowercapPath)}");
            case "power-supply":
                return Required(spec, PowerSupplySensor.Find(root), $"no power_now under {Sysfs.Under(root, PowerSupplySensor.ClassPath)}");
            default:
                throw new FormatException($"--power: '{spec}' is not one of {Specs}");
        }
    }

    static PowerChoice Required(string spec, IPowerSensor? sensor, string why) =>
        sensor is null ? throw new IOException($"--power {spec}: {why}") : new PowerChoice(sensor, null);

    /// <summary>
    /// Tries what can be found without being told, best first: the INA3221 on Jetson, the Pi 5 PMIC, RAPL,
    /// power_supply. An INA219/INA226 on a bare I2C bus is not probed (writing its configuration to whatever
    /// answers at 0x40 is not safe); it has to be named.
    /// </summary>
    public static PowerChoice Detect(string root, Func<PiPmicAdc?> findPmic)
    {
        if (Ina3221Hwmon.Find(root) is { } hwmon) return new(hwmon, null);
        if (Ina3221Iio.Find(root) is { } iio) return new(iio, null);
        if (findPmic() is { } pmic) return new(pmic, null);
        if (RaplSensor.Find(root, out var raplWhy) is { } rapl) return new(rapl, null);
        if (PowerSupplySensor.Find(root) is { } supply) return new(supply, null);
        return new PowerChoice(null, "no power sensor found (looked for ina3221 hwmon/iio, vcgencmd pmic_read_adc, powercap RAPL" +
            (raplWhy is null ? "" : $": {raplWhy}") + ", power_supply power_now); name an I2C monitor with --power ina219:BUS:ADDR:OHMS:AMPS");
    }

    static (int Bus, int Address, double Ohms, double Amps) ParseI2c(string spec, string[] p)
    {
        var inv = CultureInfo.InvariantCulture;
        if (p.Length == 5 && int.TryParse(p[1], inv, out int bus)
            && (p[2].StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? int.TryParse(p[2].AsSpan(2), NumberStyles.HexNumber, inv, out int addr) : int.TryParse(p[2], inv, out addr))
            && addr is >= 0x03 and <= 0x77
            && double.TryParse(p[3], NumberStyles.Float, inv, out double ohms) && ohms > 0
            && double.TryParse(p[4], NumberStyles.Float, inv, out double amps) && amps > 0)
            return (bus, addr, ohms, amps);
        throw new FormatException($"--power: '{spec}' is not {p[0]}:BUS:ADDR:OHMS:AMPS (e.g. {p[0]}:1:0x40:0.1:3.2)");
    }
}
