using System.Diagnostics;

namespace ClassSR.Edge.IO.Power;

/// <summary>Energy over a window of the trace.</summary>
public readonly record struct EnergyWindow(double Joules, double Seconds, int Samples)
{
    public double MeanWatts => Seconds > 0 ? Joules / Seconds : 0;
}

/// <summary>
/// Reads a sensor on its own thread at the sensor's rate and integrates it to joules, so energy is measured
/// continuously however busy the pipeline keeps the other cores. Read failures are counted, not fatal: a
/// flaky I2C bus loses samples, not the benchmark.
/// </summary>
public sealed class PowerMonitor : IDisposable
{
    readonly IPowerSensor _sensor;
    readonly PowerIntegrator _integrator = new(Stopwatch.Frequency);
    readonly Lock _gate = new();
    readonly CancellationTokenSource _stop = new();
    readonly ManualResetEventSlim _firstSample = new();
    Thread? _thread;
    long _errors;
    string? _lastError;

    public PowerMonitor(IPowerSensor sensor, double? rateHz = null)
    {
        _sensor = sensor;
        RateHz = rateHz ?? sensor.RateHz;
        if (!(RateHz > 0 && RateHz <= 10_000))
            throw new ArgumentException($"power sampling rate {RateHz} Hz is not in (0, 10000]");
    }

    public IPowerSensor Sensor => _sensor;
    public double RateHz { get; }
    public long Errors => Interlocked.Read(ref _errors);
    public string? LastError => _lastError;

    public void Start()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "classsr-power", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>
    /// Waits until the trace has begun, so a window opened right after <see cref="Start"/> lies inside it (energy
    /// before the first sample is unknown, and would count as none).
    /// </summary>
    public bool WaitForFirstSample(TimeSpan timeout) => _firstSample.Wait(timeout);

    public void Stop()
    {
        _stop.Cancel();
        _thread?.Join();
    }

    void Loop()
    {
        long period = (long)(Stopwatch.Frequency / RateHz);
        long next = Stopwatch.GetTimestamp();
        while (!_stop.IsCancellationRequested)
        {
            Sample();
            next += period;
            long wait = next - Stopwatch.GetTimestamp();
            if (wait < 0)
                next = Stopwatch.GetTimestamp(); // fell behind (slow sensor): do not try to catch up in a burst
            else if (_stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency)))
                break;
        }
        // One reading at the stop, so a window that ended just before it is covered to its end.
        Sample();
    }

    void Sample()
    {
        try
        {
            var r = _sensor.Read();
            long now = Stopwatch.GetTimestamp();
            lock (_gate)
                _integrator.Add(now, r);
            _firstSample.Set();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            Interlocked.Increment(ref _errors);
            _lastError = e.Message;
        }
    }

    /// <summary>
    /// Energy between two Stopwatch instants, from the cumulative trace. A window that has just ended waits (two sample
    /// periods at most) for the reading after its end: asked at once, it would stop at the last reading before it, up
    /// to a period early, and count too little energy (3.5% on a 2-second window at a 10 Hz sensor).
    /// </summary>
    public EnergyWindow Between(long from, long to)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(2 * Stopwatch.Frequency / RateHz);
        while (!_stop.IsCancellationRequested && Stopwatch.GetTimestamp() < deadline)
        {
            lock (_gate)
                if (_integrator.Samples.Count > 0 && _integrator.Samples[^1].Ticks >= to)
                    break;
            Thread.Sleep(1);
        }
        lock (_gate)
            return new EnergyWindow(_integrator.JoulesAt(to) - _integrator.JoulesAt(from),
                (to - from) / (double)Stopwatch.Frequency, _integrator.CountBetween(from, to));
    }

    /// <summary>The trace so far (a copy).</summary>
    public PowerSample[] Samples()
    {
        lock (_gate)
            return [.. _integrator.Samples];
    }

    /// <summary>Samples per second actually taken over the whole trace.</summary>
    public double AchievedRateHz()
    {
        lock (_gate)
        {
            var s = _integrator.Samples;
            return s.Count < 2 ? 0 : (s.Count - 1) / ((s[^1].Ticks - s[0].Ticks) / (double)Stopwatch.Frequency);
        }
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
        _firstSample.Dispose();
        _sensor.Dispose();
    }
}
