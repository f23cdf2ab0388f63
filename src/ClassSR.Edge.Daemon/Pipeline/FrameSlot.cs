namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// A one-frame handoff between two threads where the newest frame wins. The producer and the consumer each
/// keep one buffer and the slot holds a third; Publish and TryTake swap buffers, so no frame is ever
/// allocated or copied here. A frame replaced before the consumer took it is counted as dropped.
/// </summary>
public sealed class FrameSlot<T> where T : class
{
    readonly object _gate = new(); // not Lock: Monitor.Wait needs a monitor
    T _held;
    bool _fresh, _closed;
    long _published, _dropped;

    /// <param name="spare">The slot's own buffer, handed to the producer on the first Publish.</param>
    public FrameSlot(T spare) => _held = spare;

    /// <summary>
    /// Publish waits for the consumer to take the previous frame instead of replacing it: for pipes (file in, y4m out)
    /// where every frame matters more than latency. A closed slot never waits.
    /// </summary>
    public bool Lossless { get; set; }

    public long Published { get { lock (_gate) return _published; } }
    public long Dropped { get { lock (_gate) return _dropped; } }

    /// <summary>Hands <paramref name="item"/> over and returns, in it, a buffer to fill next.</summary>
    public void Publish(ref T item)
    {
        lock (_gate)
        {
            while (Lossless && _fresh && !_closed)
                Monitor.Wait(_gate);
            (item, _held) = (_held, item);
            if (_fresh)
                _dropped++;
            _fresh = true;
            _published++;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Waits for a frame newer than the last one taken and swaps it into <paramref name="item"/> (whose old
    /// buffer goes back to the slot). False once the slot is closed, or when the wait timed out.
    /// </summary>
    public bool TryTake(ref T item, int timeoutMs = Timeout.Infinite)
    {
        lock (_gate)
        {
            while (!_fresh)
            {
                if (_closed || !Monitor.Wait(_gate, timeoutMs))
                    return false;
            }
            (item, _held) = (_held, item);
            _fresh = false;
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
