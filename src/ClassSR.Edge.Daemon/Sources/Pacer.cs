using System.Diagnostics;

namespace ClassSR.Edge.Daemon.Sources;

/// <summary>
/// Releases frames at a fixed rate against absolute deadlines, so sleep overshoot does not accumulate into a
/// slower rate. After a long stall it starts a new schedule instead of bursting to catch up.
/// </summary>
public sealed class Pacer
{
    readonly long _period;
    long _next;

    public Pacer(double fps)
    {
        if (!(fps > 0) || double.IsInfinity(fps))
            throw new ArgumentOutOfRangeException(nameof(fps), fps, "fps must be positive");
        _period = Math.Max(1, (long)(Stopwatch.Frequency / fps));
    }

    public void Reset() => _next = 0;

    /// <summary>Waits for the next slot; returns false if cancelled first.</summary>
    public bool Wait(CancellationToken cancel)
    {
        long now = Stopwatch.GetTimestamp();
        if (_next == 0 || now - _next > 2 * _period)
        {
            _next = now + _period;
            return !cancel.IsCancellationRequested;
        }
        long wait = _next - now;
        _next += _period;
        if (wait <= 0)
            return !cancel.IsCancellationRequested;
        int ms = (int)(wait * 1000 / Stopwatch.Frequency);
        // WaitHandle.WaitOne wakes on cancellation at once, which a Thread.Sleep would not.
        return ms <= 0 || !cancel.WaitHandle.WaitOne(ms);
    }
}
