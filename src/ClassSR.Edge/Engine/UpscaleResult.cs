using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Engine;

/// <summary>
/// One upscaled frame as its caller owns it: the picture, how it was made and each cell's branch. The upscaler fills
/// it and keeps nothing of it, so a result can travel downstream while the upscaler works on the next frame.
/// Buffers are reallocated only when the size changes.
/// </summary>
public sealed class UpscaleResult
{
    public YuvFrame Image { get; private set; } = new(1, 1);
    public FrameStats Stats { get; } = new();
    /// <summary>The cell grid of the LR frame; <see cref="Classes"/> and <see cref="Reused"/> hold one entry per cell, row by row.</summary>
    public TileGrid Grid { get; private set; }
    /// <summary>Each cell's class: 0 simple (small branch), 1 medium, 2 hard (large branch).</summary>
    public byte[] Classes { get; private set; } = [];
    /// <summary>1 for each cell whose output was kept from an earlier frame (temporal reuse).</summary>
    public byte[] Reused { get; private set; } = [];

    /// <summary>Sizes the picture to <paramref name="w"/>x<paramref name="h"/> (the LR's size times the scale).</summary>
    public void EnsureFor(int w, int h, ColorRange range)
    {
        if (Image.Width != w || Image.Height != h)
            Image = new YuvFrame(w, h, range);
        Image.Range = range;
    }

    internal void SetCells(TileGrid grid, ReadOnlySpan<byte> classes, ReadOnlySpan<byte> reused)
    {
        Grid = grid;
        if (Classes.Length != classes.Length)
            Classes = new byte[classes.Length];
        classes.CopyTo(Classes);
        if (Reused.Length != classes.Length)
            Reused = new byte[classes.Length];
        if (reused.Length == classes.Length)
            reused.CopyTo(Reused);
        else
            Reused.AsSpan().Clear();
    }
}
