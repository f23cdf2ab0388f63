using System.Diagnostics.CodeAnalysis;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// A one-frame handoff between two threads where the newest frame wins. It holds a reference, never a copy: the
/// producer hands a frame over and gets back the one it replaced unseen (counted as dropped), which it releases.
/// </summary>
public sealed class FrameSlot<T> where T : class
{
    readonly object _gate = new(); // not Lock: Monitor.Wait needs a monitor
    T? _held;
    bool _closed;
    long _published, _dropped;

    /// <summary>
    /// Publish waits for the consumer to take the previous frame instead of replacing it: for pipes (file in, y4m out)
    /// where every frame matters more than latency. A closed slot never waits.
    /// </summary>
    public bool Lossless { get; set; }

    public long Published { get { lock (_gate) return _published; } }
    public long Dropped { get { lock (_gate) return _dropped; } }

    /// <summary>Hands <paramref name="item"/> over; returns the frame it replaced before anyone took it, or null.</summary>
    public T? Publish(T item)
    {
        lock (_gate)
        {
            while (Lossless && _held != null && !_closed)
                Monitor.Wait(_gate);
            var replaced = _held;
            _held = item;
            if (replaced != null)
                _dropped++;
            _published++;
            Monitor.PulseAll(_gate);
            return replaced;
        }
    }

    /// <summary>
    /// Waits for a frame newer than the last one taken. False once the slot is closed and empty, or when the wait
    /// timed out.
    /// </summary>
    public bool TryTake([NotNullWhen(true)] out T? item, int timeoutMs = Timeout.Infinite)
    {
        lock (_gate)
        {
            while (_held is null)
            {
                if (_closed || !Monitor.Wait(_gate, timeoutMs))
                {
                    item = null;
                    return false;
                }
            }
            item = _held;
            _held = null;
            // A lossless producer may be waiting for this.
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Wakes the consumer for good: TryTake returns false from now on, once any fresh frame is gone.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }
}
