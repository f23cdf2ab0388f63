using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>A frame buffer travelling through the pipeline, with when each stage finished it (Stopwatch ticks).</summary>
public sealed class PipelineFrame(int width, int height)
{
    public YuvFrame Image { get; private set; } = new(width, height);
    public long Sequence;
    public long CapturedTicks;
    public long UpscaledTicks;
    public double UpscaleMs;
    /// <summary>The frame-budget controller's level this frame was upscaled at (0: full quality).</summary>
    public int HoldLevel;
    /// <summary>How this frame was upscaled (stage times, routing), copied on the upscale thread: a sink reading
    /// the upscaler's own stats would race with the next frame.</summary>
    public readonly FrameStats Stats = new();
    /// <summary>A stand-in shown while the source is gone: the last good picture, dimmed and labelled.</summary>
    public bool NoSignal;
    /// <summary>
    /// Which stream the frame belongs to: it changes when the source opens again and for each NO SIGNAL card, so the
    /// upscaler never reuses what it cached from another (temporal reuse). Carried by the frame, which a newest-wins
    /// slot may drop with no harm to the mark.
    /// </summary>
    public long Stream;

    /// <summary>After the upscale stage: the low-resolution frame it came from (the viewer's bicubic side).</summary>
    public YuvFrame Source { get; private set; } = new(1, 1);

    /// <summary>After the upscale stage: each cell's branch (0 simple, 1 medium, 2 hard), row by row.</summary>
    public byte[] Classes { get; private set; } = [];
    /// <summary>After the upscale stage: 1 for each cell whose output was kept from an earlier frame (temporal reuse).</summary>
    public byte[] Reused { get; private set; } = [];
    public int ClassCols, ClassRows, ClassTile;

    /// <summary>Records what <see cref="Image"/> was upscaled from; reallocates only when sizes change.</summary>
    public void SetSource(YuvFrame lr, int cols, int rows, int tile, ReadOnlySpan<byte> classes, ReadOnlySpan<byte> reused)
    {
        if (Reused.Length != classes.Length)
            Reused = new byte[classes.Length];
        if (reused.Length == classes.Length)
            reused.CopyTo(Reused);
        else
            Reused.AsSpan().Clear();
        if (Source.Width != lr.Width || Source.Height != lr.Height)
            Source = new YuvFrame(lr.Width, lr.Height, lr.Range);
        lr.CopyTo(Source);
        if (Classes.Length != classes.Length)
            Classes = new byte[classes.Length];
        classes.CopyTo(Classes);
        (ClassCols, ClassRows, ClassTile) = (cols, rows, tile);
    }

    /// <summary>Reallocates only when the size changed (a source reopened with another size).</summary>
    public void EnsureSize(int width, int height)
    {
        if (Image.Width != width || Image.Height != height)
            Image = new YuvFrame(width, height, Image.Range);
    }

    /// <summary>Copies picture and timestamps, resizing if needed; the LR source and class map too unless told not to.</summary>
    public void CopyFrom(PipelineFrame other, bool withSource = true)
    {
        EnsureSize(other.Image.Width, other.Image.Height);
        other.Image.CopyTo(Image);
        Sequence = other.Sequence;
        CapturedTicks = other.CapturedTicks;
        UpscaledTicks = other.UpscaledTicks;
        UpscaleMs = other.UpscaleMs;
        HoldLevel = other.HoldLevel;
        other.Stats.CopyTo(Stats);
        NoSignal = other.NoSignal;
        Stream = other.Stream;
        if (withSource)
            SetSource(other.Source, other.ClassCols, other.ClassRows, other.ClassTile, other.Classes, other.Reused);
    }
}
