namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// The frames of one stage (captured or upscaled), lent out with a reference count and back here when the last reader
/// lets go. Every sink reads the same frame; none copies it. The ring keeps a few spare frames so the steady state
/// allocates nothing; what readers return beyond them (after a burst of slow clients) goes back to the runtime, so the
/// memory clients pinned does not stay pinned in a pool after they leave.
/// </summary>
public sealed class FrameRing(string name, int spares = FrameRing.DefaultSpares)
{
    /// <summary>Enough for the upscaler's next frame while sinks still hold the last ones; each spare is a whole frame.</summary>
    public const int DefaultSpares = 3;

    readonly Lock _gate = new();
    readonly Stack<PipelineFrame> _free = new();
    int _live;
    long _copies, _allocations;

    public string Name => name;

    /// <summary>Frames that exist now, lent out or spare.</summary>
    public int Live { get { lock (_gate) return _live; } }

    /// <summary>Frames lent out now (held by some reader).</summary>
    public int InUse { get { lock (_gate) return _live - _free.Count; } }

    /// <summary>Pictures copied from one frame into another (<see cref="PipelineFrame.CopyFrom"/>).</summary>
    public long Copies => Interlocked.Read(ref _copies);

    /// <summary>Frames made so far: a few at the start and after a burst of slow readers, none in the steady state.</summary>
    public long Allocations => Interlocked.Read(ref _allocations);

    /// <summary>A frame with one reference, the caller's; its picture keeps the size it last had.</summary>
    public PipelineFrame Rent()
    {
        lock (_gate)
        {
            if (_free.TryPop(out var f))
            {
                f.Revive();
                return f;
            }
            _live++;
        }
        Interlocked.Increment(ref _allocations);
        return new PipelineFrame(this);
    }

    internal void Return(PipelineFrame frame)
    {
        lock (_gate)
        {
            if (_free.Count < spares)
            {
                _free.Push(frame);
                return;
            }
            _live--;
        }
        MemoryTrim.Request();
    }

    internal void CountCopy() => Interlocked.Increment(ref _copies);

    public override string ToString() => $"{name}: {Live} frames, {InUse} in use";
}
