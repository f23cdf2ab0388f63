using System.Diagnostics;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// The frames of one stage (captured or upscaled), lent out with a reference count and back here when the last reader
/// lets go. Every sink reads the same frame; none copies it.
/// </summary>
/// <remarks>
/// How many frames are lent at once swings with the readers' timing (the upscaler writes the next frame while a client
/// still sends an older one). Letting frames go the moment they come back made a frame again at each swing: a frame
/// made and dropped every few seconds in the steady state, and a collection with each. So the ring keeps what comes
/// back, and lets go only of frames that lay unused for a whole <see cref="DecayWindow"/> beyond its spares: the ring
/// settles at the readers' peak, and what departed clients pinned goes back to the runtime within two windows.
/// </remarks>
public sealed class FrameRing(string name, int spares = FrameRing.DefaultSpares, TimeSpan? decayWindow = null)
{
    /// <summary>Frames kept idle beyond the readers' peak; each spare is a whole frame.</summary>
    public const int DefaultSpares = 1;

    /// <summary>How long a frame lies unused before the ring lets it go (when it has more than its spares idle).</summary>
    public static readonly TimeSpan DecayWindow = TimeSpan.FromSeconds(10);

    /// <summary>The window after a client left: what it pinned goes back within about this long.</summary>
    public static readonly TimeSpan DepartureWindow = TimeSpan.FromSeconds(1);

    static int _departures;

    /// <summary>
    /// A sink's client left: every ring starts a short window, so the frames that client pinned are let go soon
    /// (the readers' peak is made again at most once after it).
    /// </summary>
    public static void ClientLeft() => Interlocked.Increment(ref _departures);

    readonly Lock _gate = new();
    readonly Stack<PipelineFrame> _free = new();
    readonly long _windowTicks = (long)((decayWindow ?? DecayWindow).TotalSeconds * Stopwatch.Frequency);
    long _windowEnds = Stopwatch.GetTimestamp() + (long)((decayWindow ?? DecayWindow).TotalSeconds * Stopwatch.Frequency);
    int _live, _leastIdle, _departuresSeen;
    long _copies, _allocations, _released;

    public string Name => name;

    /// <summary>Frames that exist now, lent out or idle.</summary>
    public int Live { get { lock (_gate) return _live; } }

    /// <summary>Frames lent out now (held by some reader).</summary>
    public int InUse { get { lock (_gate) return _live - _free.Count; } }

    /// <summary>Pictures copied from one frame into another (<see cref="PipelineFrame.CopyFrom"/>).</summary>
    public long Copies => Interlocked.Read(ref _copies);

    /// <summary>Frames made so far: up to the readers' peak, then none while the readers stay.</summary>
    public long Allocations => Interlocked.Read(ref _allocations);

    /// <summary>Frames let go to the runtime after lying unused for a window.</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary>A frame with one reference, the caller's; its picture keeps the size it last had.</summary>
    public PipelineFrame Rent()
    {
        bool trimmed;
        lock (_gate)
        {
            trimmed = Decay(Stopwatch.GetTimestamp());
            if (_free.TryPop(out var f))
            {
                _leastIdle = Math.Min(_leastIdle, _free.Count);
                if (trimmed)
                    MemoryTrim.Request();
                f.Revive();
                return f;
            }
            _leastIdle = 0;
            _live++;
        }
        if (trimmed)
            MemoryTrim.Request();
        Interlocked.Increment(ref _allocations);
        return new PipelineFrame(this);
    }

    internal void Return(PipelineFrame frame)
    {
        lock (_gate)
            _free.Push(frame);
    }

    /// <summary>
    /// At the end of a window, lets go of the frames that stayed idle all through it, beyond the spares. Under the
    /// lock; says whether any went.
    /// </summary>
    bool Decay(long now)
    {
        int departures = Volatile.Read(ref _departures);
        if (departures != _departuresSeen)
        {
            // Frames that come back from the departed client count as idle from now on.
            _departuresSeen = departures;
            _windowEnds = Math.Min(_windowEnds, now + (long)(DepartureWindow.TotalSeconds * Stopwatch.Frequency));
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
        {
            _free.Pop();
            _live--;
            _released++;
        }
        _leastIdle = _free.Count;
        return true;
    }

    /// <summary>Lets go of every idle frame beyond the spares now (the pipeline stopping, a test).</summary>
    public void Trim()
    {
        lock (_gate)
        {
            while (_free.Count > spares)
            {
                _free.Pop();
                _live--;
                _released++;
            }
            _leastIdle = _free.Count;
        }
        MemoryTrim.Request();
    }

    internal void CountCopy() => Interlocked.Increment(ref _copies);

    public override string ToString() => $"{name}: {Live} frames, {InUse} in use, {Allocations} made, {Released} let go";
}
