namespace ClassSR.Edge.IO.Power;

/// <summary>
/// One reading of a power sensor. <see cref="EnergyJoules"/> is set by sensors that count energy themselves
/// (RAPL): integrating their counter is exact where integrating sampled watts is not.
/// </summary>
public readonly record struct PowerReading(double Watts, double? Volts = null, double? Amps = null, double? EnergyJoules = null);

/// <summary>
/// Something that says how much power the board draws now. Implementations are sampled from one thread
/// (the <see cref="PowerMonitor"/>'s); each has a simulated twin so tests can drive the real decoding.
/// </summary>
public interface IPowerSensor : IDisposable
{
    /// <summary>What the report calls it, e.g. "ina219 i2c-1 0x40 (0.1 ohm)".</summary>
    string Name { get; }

    /// <summary>True when no real hardware is read: the figures are a model, and the report must say so.</summary>
    bool Simulated { get; }

    /// <summary>How often the monitor should read it: as fast as the part converts, within what reading costs.</summary>
    double RateHz { get; }

    /// <exception cref="IOException">The sensor could not be read this time.</exception>
    PowerReading Read();
}
