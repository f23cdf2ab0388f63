using System.Diagnostics;

namespace ClassSR.Edge.IO.Gpio;

/// <summary>The LED and button without a board: the LED's changes are recorded, presses are played in.</summary>
public sealed class SimulatedGpio : IGpioPins
{
    readonly Lock _gate = new();
    readonly List<bool> _changes = [];
    bool? _led;

    public bool? Led { get { lock (_gate) return _led; } }

    /// <summary>Every value the LED took, in order, counting only changes.</summary>
    public IReadOnlyList<bool> LedChanges { get { lock (_gate) return [.. _changes]; } }

    public void Set(bool on)
    {
        lock (_gate)
        {
            if (_led != on)
                _changes.Add(on);
            _led = on;
        }
    }

    public event Action<bool, long>? Changed;

    public void Dispose() { }

    /// <summary>A press as a mechanical contact makes it: chatter on the way down and on the way up.</summary>
    /// <param name="start">Stopwatch ticks of the first contact.</param>
    /// <param name="bounces">Extra open/close pairs at each end, a millisecond apart.</param>
    public void Press(long start, TimeSpan hold, int bounces = 3)
    {
        long ms = Stopwatch.Frequency / 1000, t = start;
        Changed?.Invoke(true, t);
        for (int i = 0; i < bounces; i++)
        {
            Changed?.Invoke(false, t += ms);
            Changed?.Invoke(true, t += ms);
        }
        t = start + (long)(hold.TotalSeconds * Stopwatch.Frequency);
        Changed?.Invoke(false, t);
        for (int i = 0; i < bounces; i++)
        {
            Changed?.Invoke(true, t += ms);
            Changed?.Invoke(false, t += ms);
        }
    }
}
