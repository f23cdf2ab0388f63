using System.Diagnostics;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>What every ring shares: the decay windows, and the departures of clients that start the short one.</summary>
public static class Ring
{
    /// <summary>How long an item lies unused before its ring lets it go (when the ring has more than its spares idle).</summary>
    public static readonly TimeSpan DecayWindow = TimeSpan.FromSeconds(10);

    /// <summary>The window after a client left: what it pinned goes back within about this long.</summary>
    public static readonly TimeSpan DepartureWindow = TimeSpan.FromSeconds(1);

    static int _departures;

    /// <summary>
    /// A sink's client left: every ring starts a short window, so what that client pinned is let go soon (the readers'
    /// peak is made again at most once after it).
    /// </summary>
    public static void ClientLeft() => Interlocked.Increment(ref _departures);

    internal static int Departures => Volatile.Read(ref _departures);
}

/// <summary>
/// A pool of reusable items (pictures, encoded JPEGs) lent out and given back, sized by its readers' peak. The items'
/// reference counts are their owners'; the ring keeps what comes back and lets go of what lay idle.
/// </summary>
/// <remarks>
/// How many items are lent at once swings with the readers' timing (the upscaler writes the next frame while a client
/// still sends an older one). Letting items go the moment they came back made one again at each swing: an item made
/// and dropped every few seconds in the steady state, and a collection with each. So the ring keeps what comes back,
/// and lets go only of items that lay unused for a whole window beyond its spares: it settles at the readers' peak,
/// and what departed clients pinned goes back to the runtime within two windows.
/// </remarks>
public sealed class Ring<T>(string name, Func<T> make, int spares, TimeSpan? decayWindow = null) where T : class
{
    readonly Lock _gate = new();
    readonly Stack<T> _free = new();
    readonly long _windowTicks = (long)((decayWindow ?? Ring.DecayWindow).TotalSeconds * Stopwatch.Frequency);
    long _windowEnds = Stopwatch.GetTimestamp() + (long)((decayWindow ?? Ring.DecayWindow).TotalSeconds * Stopwatch.Frequency);
    int _live, _leastIdle;
    // Departures before this ring was made are not its own: they must not shorten its first window.
    int _departuresSeen = Ring.Departures;
    long _allocations, _released;

    public string Name => name;

    /// <summary>Items that exist now, lent out or idle.</summary>
    public int Live { get { lock (_gate) return _live; } }

    /// <summary>Items lent out now.</summary>
    public int InUse { get { lock (_gate) return _live - _free.Count; } }

    /// <summary>Items back in the ring, waiting to be lent again.</summary>
    public int Idle { get { lock (_gate) return _free.Count; } }

    /// <summary>Items made so far: up to the readers' peak, then none while the readers stay.</summary>
    public long Allocations => Interlocked.Read(ref _allocations);

    /// <summary>Items let go to the runtime after lying unused for a window (or trimmed).</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary>An idle item, or a new one; <paramref name="reused"/> says which.</summary>
    public T Rent(out bool reused)
    {
        bool trimmed;
        lock (_gate)
        {
            trimmed = Decay(Stopwatch.GetTimestamp());
            if (_free.TryPop(out var item))
            {
                _leastIdle = Math.Min(_leastIdle, _free.Count);
                if (trimmed)
                    MemoryTrim.Request();
                reused = true;
                return item;
            }
            _leastIdle = 0;
            _live++;
        }
        if (trimmed)
            MemoryTrim.Request();
        Interlocked.Increment(ref _allocations);
        reused = false;
        return make();
    }

    /// <summary>The last owner let go of <paramref name="item"/>.</summary>
    public void Return(T item)
    {
        lock (_gate)
            _free.Push(item);
    }

    /// <summary>
    /// At the end of a window, lets go of the items that stayed idle all through it, beyond the spares. Under the lock;
    /// says whether any went.
    /// </summary>
    bool Decay(long now)
    {
        int departures = Ring.Departures;
        if (departures != _departuresSeen)
        {
            // Items that come back from the departed client count as idle from now on.
            _departuresSeen = departures;
            _windowEnds = Math.Min(_windowEnds, now + (long)(Ring.DepartureWindow.TotalSeconds * Stopwatch.Frequency));
            _leastIdle = _free.Count;
            return false;
        }
        if (now < _windowEnds)
            return false;
        _windowEnds = now + _windowTicks;
        int surplus = _leastIdle - spares;
        _leastIdle = _free.Count;
        if (surplus <= 0)
            return false;
        for (int i = 0; i < surplus && _free.Count > 0; i++)
            Drop();
        _leastIdle = _free.Count;
        return true;
    }

    void Drop()
    {
        _free.Pop();
        _live--;
        _released++;
    }

    /// <summary>Lets go of every idle item beyond <paramref name="keep"/> (the spares by default) now.</summary>
    public void Trim(int? keep = null)
    {
        lock (_gate)
        {
            while (_free.Count > (keep ?? spares))
                Drop();
            _leastIdle = _free.Count;
        }
        MemoryTrim.Request();
    }

    public override string ToString() => $"{name}: {Live} frames, {InUse} in use, {Allocations} made, {Released} let go";
}

/// <summary>
/// The frames of one stage (captured or upscaled), lent out with a reference count and back here when the last reader
/// lets go. Every sink reads the same frame; none copies it.
/// </summary>
public sealed class FrameRing
{
    /// <summary>Frames kept idle beyond the readers' peak; each spare is a whole frame.</summary>
    public const int DefaultSpares = 1;

    readonly Ring<PipelineFrame> _ring;
    long _copies;

    public FrameRing(string name, int spares = DefaultSpares, TimeSpan? decayWindow = null) =>
        _ring = new Ring<PipelineFrame>(name, () => new PipelineFrame(this), spares, decayWindow);

    public string Name => _ring.Name;

    /// <summary>Frames that exist now, lent out or idle.</summary>
    public int Live => _ring.Live;

    /// <summary>Frames lent out now (held by some reader).</summary>
    public int InUse => _ring.InUse;

    /// <summary>Pictures copied from one frame into another (<see cref="PipelineFrame.CopyFrom"/>).</summary>
    public long Copies => Interlocked.Read(ref _copies);

    /// <summary>Frames made so far: up to the readers' peak, then none while the readers stay.</summary>
    public long Allocations => _ring.Allocations;

    /// <summary>Frames let go to the runtime after lying unused for a window.</summary>
    public long Released => _ring.Released;

    /// <summary>A frame with one reference, the caller's; its picture keeps the size it last had.</summary>
    public PipelineFrame Rent()
    {
        var f = _ring.Rent(out bool reused);
        if (reused)
            f.Revive();
        return f;
    }

    internal void Return(PipelineFrame frame) => _ring.Return(frame);

    /// <summary>Lets go of every idle frame beyond the spares now (the pipeline stopping, a test).</summary>
    public void Trim() => _ring.Trim();

    internal void CountCopy() => Interlocked.Increment(ref _copies);

    public override string ToString() => _ring.ToString();
}
