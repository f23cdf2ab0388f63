using System.Buffers.Binary;
using System.Device.I2c;
using System.Diagnostics;
using System.Globalization;

namespace ClassSR.Edge.Daemon.Power;

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

/// <summary>
/// The simulated twin of an INA219/INA226: a register file behind the same pointer protocol, which computes
/// its current and power registers from shunt, bus and calibration by the datasheet's formulas. Either set
/// registers directly (tests) or give it an <see cref="Analog"/> input, converted on every read (a board
/// model).
/// </summary>
public sealed class SimulatedInaChip : I2cDevice
{
    readonly ushort[] _registers = new ushort[256];
    readonly I2cConnectionSettings _settings;
    byte _pointer;

    public SimulatedInaChip(InaSpec spec, int busId = 1, int address = 0x40)
    {
        Spec = spec;
        _settings = new I2cConnectionSettings(busId, address);
    }

    public InaSpec Spec { get; }

    /// <summary>Shunt and bus volts at this moment; null leaves the registers as set.</summary>
    public Func<(double ShuntVolts, double BusVolts)>? Analog { get; set; }

    public override I2cConnectionSettings ConnectionSettings => _settings;

    public ushort this[byte register]
    {
        get => _registers[register];
        set
        {
            _registers[register] = value;
            if (register == Spec.ShuntVoltageRegister || register == Spec.BusVoltageRegister || register == Spec.CalibrationRegister)
                UpdateDerived();
        }
    }

    /// <summary>Sets the shunt and bus registers as the converter would from these voltages.</summary>
    public void Convert(double shuntVolts, double busVolts)
    {
        int shunt = (int)Math.Clamp(Math.Round(shuntVolts / Spec.ShuntLsbVolts), short.MinValue, short.MaxValue);
        int bus = (int)Math.Clamp(Math.Round(busVolts / Spec.BusLsbVolts), 0, 0xFFFF >> Spec.BusShift);
        // INA219 sets CNVR (bit 1) when a conversion completes; INA226 has no status bits there.
        _registers[Spec.BusVoltageRegister] = (ushort)((bus << Spec.BusShift) | (Spec.BusShift > 0 ? 0b10 : 0));
        this[Spec.ShuntVoltageRegister] = (ushort)(short)shunt;
    }

    void UpdateDerived()
    {
        long shunt = (short)_registers[Spec.ShuntVoltageRegister];
        long current = shunt * _registers[Spec.CalibrationRegister] / Spec.CurrentDivisor;
        current = Math.Clamp(current, short.MinValue, short.MaxValue);
        long bus = _registers[Spec.BusVoltageRegister] >> Spec.BusShift;
        _registers[Spec.CurrentRegister] = (ushort)(short)current;
        _registers[Spec.PowerRegister] = (ushort)Math.Min(0xFFFF, Math.Abs(current) * bus / Spec.PowerDivisor);
    }

    public override byte ReadByte() => throw new IOException("INA registers are read 16 bits at a time");

    public override void Read(Span<byte> buffer)
    {
        if (buffer.Length != 2)
            throw new IOException($"read of {buffer.Length} bytes; INA registers are 2");
        if (Analog is { } a && _pointer is var p && (p == Spec.ShuntVoltageRegister || p == Spec.BusVoltageRegister
            || p == Spec.CurrentRegister || p == Spec.PowerRegister))
        {
            var (shunt, bus) = a();
            Convert(shunt, bus);
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer, _registers[_pointer]);
    }

    public override void WriteByte(byte value) => _pointer = value;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length is not (1 or 3))
            throw new IOException($"write of {buffer.Length} bytes; INA writes are a pointer or a pointer and 16 bits");
        _pointer = buffer[0];
        if (buffer.Length == 3)
            this[_pointer] = BinaryPrimitives.ReadUInt16BigEndian(buffer[1..]);
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }
}

/// <summary>
/// A board for the simulated twins: idle draw plus a share proportional to this process's CPU use, so the
/// simulated power rises while the pipeline works, as a real board's does. Figures from it are a model.
/// </summary>
public sealed class BoardModel
{
    readonly Lock _gate = new();
    long _lastTicks = Stopwatch.GetTimestamp();
    TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;
    double _load;

    /// <summary>A Raspberry Pi 4-like board: 2.7 W idle, 6.4 W with all four cores busy, on a 5.1 V supply.</summary>
    public double IdleWatts { get; init; } = 2.7;
    public double BusyWatts { get; init; } = 6.4;
    public double SupplyVolts { get; init; } = 5.1;

    /// <summary>Board watts now; load is averaged over about 50 ms so one sample does not see a single scheduler tick.</summary>
    public double Watts()
    {
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            double dt = (now - _lastTicks) / (double)Stopwatch.Frequency;
            if (dt >= 0.005)
            {
                var cpu = Environment.CpuUsage.TotalTime;
                double busy = Math.Clamp((cpu - _lastCpu).TotalSeconds / dt / Environment.ProcessorCount, 0, 1);
                double a = Math.Min(1, dt / 0.05);
                _load += a * (busy - _load);
                (_lastTicks, _lastCpu) = (now, cpu);
            }
            return IdleWatts + (BusyWatts - IdleWatts) * _load;
        }
    }

    /// <summary>The chip's view of the board: shunt volts across <paramref name="shuntOhms"/> and the supply.</summary>
    public Func<(double ShuntVolts, double BusVolts)> InaInput(double shuntOhms) => () =>
    {
        double amps = Watts() / SupplyVolts;
        return (amps * shuntOhms, SupplyVolts - amps * shuntOhms);
    };
}
