namespace ClassSR.Edge.IO.Power;

/// <summary>One point of the power trace: when (Stopwatch ticks), watts, and the energy since the first point.</summary>
public readonly record struct PowerSample(long Ticks, double Watts, double Joules);

/// <summary>
/// Turns timed readings into cumulative energy: the trapezoid rule over watts, or the sensor's own energy
/// counter when it has one. Keeps every point so energy between any two instants can be read back.
/// Not thread-safe; <see cref="PowerMonitor"/> guards it.
/// </summary>
public sealed class PowerIntegrator(long ticksPerSecond)
{
    readonly List<PowerSample> _samples = [];
    double? _firstCounter;

    public IReadOnlyList<PowerSample> Samples => _samples;

    public void Add(long ticks, PowerReading r)
    {
        double joules;
        if (r.EnergyJoules is { } counter)
        {
            _firstCounter ??= counter;
            joules = counter - _firstCounter.Value;
        }
        else if (_samples.Count == 0)
            joules = 0;
        else
        {
            var last = _samples[^1];
            joules = last.Joules + (last.Watts + r.Watts) / 2 * ((ticks - last.Ticks) / (double)ticksPerSecond);
        }
        _samples.Add(new PowerSample(ticks, r.Watts, joules));
    }

    /// <summary>Cumulative energy at <paramref name="ticks"/>, interpolated between points; clamped to the trace's ends.</summary>
    public double JoulesAt(long ticks)
    {
        if (_samples.Count == 0)
            return 0;
        if (ticks <= _samples[0].Ticks)
            return _samples[0].Joules;
        if (ticks >= _samples[^1].Ticks)
            return _samples[^1].Joules;
        int lo = 0, hi = _samples.Count - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (_samples[mid].Ticks <= ticks) lo = mid; else hi = mid;
        }
        var (a, b) = (_samples[lo], _samples[hi]);
        double f = (ticks - a.Ticks) / (double)(b.Ticks - a.Ticks);
        return a.Joules + f * (b.Joules - a.Joules);
    }

    /// <summary>Points inside [from, to]; a window the trace does not cover has none.</summary>
    public int CountBetween(long from, long to) => _samples.Count(s => s.Ticks >= from && s.Ticks <= to);
}
