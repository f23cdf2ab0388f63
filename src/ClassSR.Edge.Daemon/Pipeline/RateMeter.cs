using System.Diagnostics;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>Events per second over the last two seconds (or the last 64 events, if fewer), for fps figures.</summary>
public sealed class RateMeter
{
    const int Capacity = 64;
    static readonly long Window = 2 * Stopwatch.Frequency;
    readonly long[] _ticks = new long[Capacity];
    readonly Lock _gate = new();
    int _next, _count;

    public void Mark(long ticks)
    {
        lock (_gate)
        {
            _ticks[_next] = ticks;
            _next = (_next + 1) % Capacity;
            if (_count < Capacity)
                _count++;
        }
    }

    public double Rate() => Rate(Stopwatch.GetTimestamp());

    public double Rate(long now)
    {
        lock (_gate)
        {
            int n = 0;
            long newest = 0, oldest = 0;
            for (int i = 1; i <= _count; i++)
            {
                long t = _ticks[(_next - i + Capacity) % Capacity];
                if (now - t > Window)
                    break;
                if (n == 0)
                    newest = t;
                oldest = t;
                n++;
            }
            return n < 2 || newest == oldest ? 0 : (n - 1) * (double)Stopwatch.Frequency / (newest - oldest);
        }
    }
}
