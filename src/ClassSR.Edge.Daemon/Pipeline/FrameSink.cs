namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// A consumer of upscaled frames on its own thread behind its own newest-wins slot, so a slow sink loses
/// frames (counted) instead of holding up the upscaler or the other sinks.
/// </summary>
public abstract class FrameSink : IDisposable
{
    readonly FrameSlot<PipelineFrame> _slot = new(new PipelineFrame(1, 1));
    // Owned by the upscale thread: it copies each frame in here and swaps it into the slot.
    PipelineFrame _incoming = new(1, 1);
    PipelineFrame _current = new(1, 1);
    Thread? _thread;

    protected FrameSink(string stage) => Stage = stage;

    /// <summary>The stage name drops are reported under.</summary>
    public string Stage { get; }

    public long Dropped => _slot.Dropped;

    /// <summary>The upscaler waits for this sink rather than dropping its frames (see FrameSlot.Lossless).</summary>
    public bool Lossless
    {
        get => _slot.Lossless;
        set => _slot.Lossless = value;
    }

    /// <summary>Called (on the sink's thread) when the sink fails for good; the daemon stops.</summary>
    public Action<FrameSink, Exception>? Failed { get; set; }

    /// <summary>
    /// Whether <see cref="Consume"/> reads the frame's LR source and class map: other sinks are spared copying them on
    /// the upscale thread every frame.
    /// </summary>
    protected virtual bool WantsSource => false;

    /// <summary>True while nobody would receive a frame (a socket with no client): the copy is skipped.</summary>
    protected virtual bool Idle => false;

    /// <summary>Called by the upscale thread; copies, so the caller keeps its buffer.</summary>
    internal void Offer(PipelineFrame frame)
    {
        if (Idle)
            return;
        _incoming.CopyFrom(frame, WantsSource);
        _slot.Publish(ref _incoming);
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
            while (_slot.TryTake(ref _current))
                Consume(_current);
        }
        catch (Exception e)
        {
            Failed?.Invoke(this, e);
        }
    }

    /// <summary>True once the sink's thread has exited (or never ran): its resources are safe to free.</summary>
    protected bool ThreadEnded => _thread is null || !_thread.IsAlive;

    /// <summary>Handles one frame; the frame is the sink's until the next call.</summary>
    protected abstract void Consume(PipelineFrame frame);

    /// <summary>Stops taking frames and waits (bounded) for the thread; a sink blocked in a write is abandoned.</summary>
    public virtual void Stop(TimeSpan timeout)
    {
        _slot.Close();
        _thread?.Join(timeout);
    }

    public virtual void Dispose() { }
}
