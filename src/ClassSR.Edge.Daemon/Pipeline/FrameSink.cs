using ClassSR.Edge.Daemon.Control;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// A consumer of upscaled frames on its own thread behind its own newest-wins slot, so a slow sink loses frames
/// (counted) instead of holding up the upscaler or the other sinks. Every sink reads the same pooled frame: the slot
/// holds a reference, not a copy.
/// </summary>
public abstract class FrameSink : IStatePart, IDisposable
{
    readonly FrameSlot<PipelineFrame> _slot = new();
    Thread? _thread;
    long _frames;

    protected FrameSink(string stage) => Stage = stage;

    /// <summary>The stage name drops are reported under.</summary>
    public string Stage { get; }

    public long Dropped => _slot.Dropped;

    /// <summary>Frames this sink has handled.</summary>
    public long Handled => Interlocked.Read(ref _frames);

    /// <summary>The sink's own part of /state: its figures under its stage name; sinks with clients add theirs.</summary>
    public virtual void AddTo(PipelineState state, long now) =>
        state.Sinks[Stage] = new SinkState { Frames = Handled, Dropped = Dropped };

    /// <summary>The upscaler waits for this sink rather than dropping its frames (see FrameSlot.Lossless).</summary>
    public bool Lossless
    {
        get => _slot.Lossless;
        set => _slot.Lossless = value;
    }

    /// <summary>Called (on the sink's thread) when the sink fails for good; the daemon stops.</summary>
    public Action<FrameSink, Exception>? Failed { get; set; }

    /// <summary>True while nobody would receive a frame (a socket with no client): the frame is not even handed over.</summary>
    protected virtual bool Idle => false;

    /// <summary>Called by the upscale thread: the sink takes a reference of its own, so the caller may release its one.</summary>
    internal void Offer(PipelineFrame frame)
    {
        if (Idle)
            return;
        frame.AddReference();
        _slot.Publish(frame)?.Release();
    }

    public virtual void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "classsr-" + Stage };
        _thread.Start();
    }

    void Run()
    {
        try
        {
            while (_slot.TryTake(out var frame))
            {
                try
                {
                    Consume(frame);
                }
                finally
                {
                    frame.Release();
                }
                Interlocked.Increment(ref _frames);
            }
        }
        catch (Exception e)
        {
            Failed?.Invoke(this, e);
        }
    }

    /// <summary>True once the sink's thread has exited (or never ran): its resources are safe to free.</summary>
    protected bool ThreadEnded => _thread is null || !_thread.IsAlive;

    /// <summary>
    /// Handles one frame, shared with the other sinks: read it, never write it. It goes back to its ring when the call
    /// returns; a sink that keeps it longer takes a reference (<see cref="PipelineFrame.AddReference"/>).
    /// </summary>
    protected abstract void Consume(PipelineFrame frame);

    /// <summary>Stops taking frames and waits (bounded) for the thread; a sink blocked in a write is abandoned.</summary>
    public virtual void Stop(TimeSpan timeout)
    {
        _slot.Close();
        _thread?.Join(timeout);
    }

    public virtual void Dispose() { }
}
