using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// A frame travelling through the pipeline, owned once and shared: a <see cref="FrameRing"/> lends it out with one
/// reference, every reader that keeps it takes another, and the last <see cref="Release"/> gives it back to the ring.
/// A captured frame holds the picture in <see cref="Image"/>; an upscaled one holds the upscaler's
/// <see cref="Result"/> and a reference to the captured frame it came from (<see cref="Source"/>), so nothing is
/// copied for the viewer's bicubic side or the class map. Stage times are Stopwatch ticks.
/// </summary>
public sealed class PipelineFrame
{
    readonly FrameRing _ring;
    int _references = 1;
    YuvFrame? _captured;
    PipelineFrame? _source;

    internal PipelineFrame(FrameRing ring) => _ring = ring;

    /// <summary>The picture: the captured one, or for an upscaled frame the upscaler's output.</summary>
    public YuvFrame Image => _captured ?? Result.Image;

    /// <summary>What the upscaler made of <see cref="Source"/>: output, stats and cell map.</summary>
    public UpscaleResult Result { get; } = new();

    public FrameStats Stats => Result.Stats;

    /// <summary>After the upscale stage: the low-resolution picture it came from (the viewer's bicubic side).</summary>
    public YuvFrame? Source => _source?.Image;

    /// <summary>After the upscale stage: each cell's class (0 simple, 1 medium, 2 hard), row by row.</summary>
    public byte[] Classes => Result.Classes;
    /// <summary>After the upscale stage: 1 for each cell whose output was kept from an earlier frame (temporal reuse).</summary>
    public byte[] Reused => Result.Reused;
    public TileGrid Grid => Result.Grid;

    public long Sequence;
    public long CapturedTicks;
    public long UpscaledTicks;
    public double UpscaleMs;
    /// <summary>The frame-budget controller's level this frame was upscaled at (0: full quality).</summary>
    public int HoldLevel;
    /// <summary>A stand-in shown while the source is gone: the last good picture, dimmed and labelled.</summary>
    public bool NoSignal;
    /// <summary>
    /// Which stream the frame belongs to: it changes when the source opens again and for each NO SIGNAL card, so the
    /// upscaler never reuses what it cached from another (temporal reuse).
    /// </summary>
    public long Stream;

    /// <summary>A reader keeps the frame past the call that handed it over.</summary>
    public void AddReference()
    {
        if (Interlocked.Increment(ref _references) <= 1)
            throw new InvalidOperationException("frame used after it went back to its ring");
    }

    /// <summary>Lets go of one reference; the last one returns the frame (and its source) to the ring.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left > 0)
            return;
        if (left < 0)
            throw new InvalidOperationException("frame released more often than it was referenced");
        Interlocked.Exchange(ref _source, null)?.Release();
        _ring.Return(this);
    }

    /// <summary>Called by the ring when it lends the frame out again.</summary>
    internal void Revive() => Volatile.Write(ref _references, 1);

    /// <summary>Sizes a captured frame's picture; reallocates only when the size changed (a source reopened with another size).</summary>
    public void EnsureSize(int width, int height)
    {
        if (_captured is null || _captured.Width != width || _captured.Height != height)
            _captured = new YuvFrame(width, height, _captured?.Range ?? ColorRange.Limited);
    }

    /// <summary>Records the captured frame this one was upscaled from, by reference.</summary>
    public void AttachSource(PipelineFrame captured)
    {
        captured.AddReference();
        Interlocked.Exchange(ref _source, captured)?.Release();
    }

    /// <summary>
    /// Copies a captured frame's picture and marks (the NO SIGNAL card drawn over the last good frame): the one
    /// place a frame is copied, counted by the ring.
    /// </summary>
    public void CopyFrom(PipelineFrame other)
    {
        EnsureSize(other.Image.Width, other.Image.Height);
        other.Image.CopyTo(_captured!);
        _ring.CountCopy();
        Sequence = other.Sequence;
        CapturedTicks = other.CapturedTicks;
        NoSignal = other.NoSignal;
        Stream = other.Stream;
    }
}
