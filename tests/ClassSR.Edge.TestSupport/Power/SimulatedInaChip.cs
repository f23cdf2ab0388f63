using System.Buffers.Binary;
using System.Device.I2c;
using System.Diagnostics;
using System.Globalization;

namespace ClassSR.Edge.IO.Power;

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
    readonly Func<TimeSpan> _cpuTime;
    readonly Func<long> _clock;
    long _lastTicks;
    TimeSpan _lastCpu;
    double _load;

    /// <summary>
    /// Load comes from this process's CPU time unless a test gives its own CPU and Stopwatch clocks (so a test of
    /// the model does not depend on what else the test process is running).
    /// </summary>
    public BoardModel(Func<TimeSpan>? cpuTime = null, Func<long>? clock = null)
    {
        _cpuTime = cpuTime ?? (() => Environment.CpuUsage.TotalTime);
        _clock = clock ?? Stopwatch.GetTimestamp;
        _lastTicks = _clock();
        _lastCpu = _cpuTime();
    }

    /// <summary>A Raspberry Pi 4-like board: 2.7 W idle, 6.4 W with all four cores busy, on a 5.1 V supply.</summary>
    public double IdleWatts { get; init; } = 2.7;
    public double BusyWatts { get; init; } = 6.4;
    public double SupplyVolts { get; init; } = 5.1;

    /// <summary>Board watts now; load is averaged over about 50 ms so one sample does not see a single scheduler tick.</summary>
    public double Watts()
    {
        lock (_gate)
        {
            long now = _clock();
            double dt = (now - _lastTicks) / (double)Stopwatch.Frequency;
            if (dt >= 0.005)
            {
                var cpu = _cpuTime();
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
