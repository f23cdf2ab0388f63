using System.Buffers.Binary;
using System.Device.I2c;
using System.Diagnostics;
using System.Globalization;

namespace ClassSR.Edge.IO.Power;

/// <summary>
/// What tells one TI current/power monitor from another: register addresses, LSBs and the calibration
/// arithmetic of its datasheet. Ina219 and Ina226 each hold one.
/// </summary>
public sealed record InaSpec
{
    public required string Part { get; init; }
    public required byte ConfigurationRegister { get; init; }
    public required byte ShuntVoltageRegister { get; init; }
    public required byte BusVoltageRegister { get; init; }
    public required byte PowerRegister { get; init; }
    public required byte CurrentRegister { get; init; }
    public required byte CalibrationRegister { get; init; }
    /// <summary>Volts per count of the (signed) shunt voltage register.</summary>
    public required double ShuntLsbVolts { get; init; }
    /// <summary>Volts per count of the bus voltage register after <see cref="BusShift"/>.</summary>
    public required double BusLsbVolts { get; init; }
    /// <summary>Low status bits below the bus voltage (INA219: CNVR and OVF in bits 1:0, data in 15:3).</summary>
    public required int BusShift { get; init; }
    /// <summary>Cal = trunc(CalibrationScale / (Current_LSB * R_shunt)).</summary>
    public required double CalibrationScale { get; init; }
    /// <summary>Current register = shunt register * Cal / CurrentDivisor.</summary>
    public required int CurrentDivisor { get; init; }
    /// <summary>Power register = current register * bus register / PowerDivisor.</summary>
    public required int PowerDivisor { get; init; }
    /// <summary>Power_LSB = PowerLsbFactor * Current_LSB.</summary>
    public required int PowerLsbFactor { get; init; }
    /// <summary>The largest calibration the register takes (INA226: bit 15 is reserved).</summary>
    public required ushort MaxCalibration { get; init; }
    /// <summary>Written at start: continuous shunt and bus conversions fast enough for the monitor's rate.</summary>
    public required ushort Configuration { get; init; }
    /// <summary>Conversions per second the configuration gives (both channels), which the monitor samples at.</summary>
    public required double ConversionRateHz { get; init; }
}

/// <summary>
/// An INA219/INA226 on I2C: programs configuration and calibration, then reads the signed shunt voltage and
/// the bus voltage. Amps come from the shunt voltage and the shunt's resistance (exact at every calibration);
/// the chip's own current and power registers are decoded too, as a cross-check.
/// </summary>
public abstract class InaSensor : IPowerSensor
{
    readonly I2cDevice _device;
    readonly byte[] _write = new byte[3];
    readonly byte[] _read = new byte[2];

    /// <param name="shuntOhms">The shunt resistor.</param>
    /// <param name="maxAmps">The largest current expected; sets Current_LSB = maxAmps / 2^15.</param>
    /// <exception cref="ArgumentException">The shunt and current give a calibration outside the register.</exception>
    protected InaSensor(InaSpec spec, I2cDevice device, double shuntOhms, double maxAmps, bool simulated)
    {
        if (!(shuntOhms > 0) || !(maxAmps > 0))
            throw new ArgumentException($"{spec.Part}: shunt {shuntOhms} ohm and maximum current {maxAmps} A must be positive");
        Spec = spec;
        _device = device;
        ShuntOhms = shuntOhms;
        CurrentLsb = maxAmps / 32768;
        Calibration = CalibrationFor(spec, shuntOhms, maxAmps);
        Simulated = simulated;
        var s = device.ConnectionSettings;
        Name = string.Create(CultureInfo.InvariantCulture,
            $"{(simulated ? "simulated " : "")}{spec.Part} i2c-{s.BusId} 0x{s.DeviceAddress:x2} ({shuntOhms:0.###} ohm shunt, {maxAmps:0.###} A max)");
        WriteRegister(spec.ConfigurationRegister, spec.Configuration);
        WriteRegister(spec.CalibrationRegister, Calibration);
    }

    /// <exception cref="ArgumentException">The calibration does not fit the 15 bits the register holds.</exception>
    public static ushort CalibrationFor(InaSpec spec, double shuntOhms, double maxAmps)
    {
        double cal = Math.Truncate(spec.CalibrationScale / (maxAmps / 32768 * shuntOhms));
        if (cal < 1 || cal > spec.MaxCalibration)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{spec.Part}: a {shuntOhms} ohm shunt at {maxAmps} A gives calibration {cal}, outside 1..{spec.MaxCalibration}; change the maximum current"));
        return (ushort)cal;
    }

    public InaSpec Spec { get; }
    public string Name { get; }
    public bool Simulated { get; }
    public double RateHz => Spec.ConversionRateHz;
    public double ShuntOhms { get; }
    public double CurrentLsb { get; }
    public double PowerLsb => Spec.PowerLsbFactor * CurrentLsb;
    public ushort Calibration { get; }

    public double ShuntVolts() => (short)ReadRegister(Spec.ShuntVoltageRegister) * Spec.ShuntLsbVolts;

    public double BusVolts() => (ReadRegister(Spec.BusVoltageRegister) >> Spec.BusShift) * Spec.BusLsbVolts;

    /// <summary>The chip's current register (valid once calibrated), in amps.</summary>
    public double ChipAmps() => (short)ReadRegister(Spec.CurrentRegister) * CurrentLsb;

    /// <summary>The chip's power register, in watts.</summary>
    public double ChipWatts() => ReadRegister(Spec.PowerRegister) * PowerLsb;

    public PowerReading Read()
    {
        double amps = ShuntVolts() / ShuntOhms, volts = BusVolts();
        return new PowerReading(volts * amps, volts, amps);
    }

    /// <summary>Registers are 16 bits, most significant byte first, behind a register pointer.</summary>
    public ushort ReadRegister(byte register)
    {
        _write[0] = register;
        try
        {
            _device.WriteRead(_write.AsSpan(0, 1), _read);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new IOException($"{Name}: reading register 0x{register:x2}: {e.Message}", e);
        }
        return BinaryPrimitives.ReadUInt16BigEndian(_read);
    }

    public void WriteRegister(byte register, ushort value)
    {
        _write[0] = register;
        BinaryPrimitives.WriteUInt16BigEndian(_write.AsSpan(1), value);
        try
        {
            _device.Write(_write);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new IOException($"{Name}: writing register 0x{register:x2}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        _device.Dispose();
        GC.SuppressFinalize(this);
    }
}
