namespace ClassSR.Edge.Imaging;

/// <summary>
/// MATLAB-compatible bicubic of a whole I420 frame, both ways (the engine's chroma and bicubic mode, the viewer's
/// bicubic side, the bench's x4 downscale for ground truth): luma to the frame size, chroma to its
/// <see cref="YuvFrame"/> size (half, rounded up), so every caller rounds chroma the same way.
/// </summary>
public sealed class YuvResizer
{
    readonly BicubicResizer? _luma;
    readonly BicubicResizer _chroma;

    /// <param name="withLuma">False where luma comes from elsewhere (the networks): only chroma is resized.</param>
    public YuvResizer(int sourceWidth, int sourceHeight, int destinationWidth, int destinationHeight, bool withLuma = true)
    {
        (SourceWidth, SourceHeight, DestinationWidth, DestinationHeight) = (sourceWidth, sourceHeight, destinationWidth, destinationHeight);
        _luma = withLuma ? new BicubicResizer(sourceWidth, sourceHeight, destinationWidth, destinationHeight) : null;
        _chroma = new BicubicResizer((sourceWidth + 1) / 2, (sourceHeight + 1) / 2, (destinationWidth + 1) / 2, (destinationHeight + 1) / 2);
    }

    public int SourceWidth { get; }
    public int SourceHeight { get; }
    public int DestinationWidth { get; }
    public int DestinationHeight { get; }

    /// <summary>Whether this resizer maps <paramref name="source"/> to <paramref name="destination"/>'s size.</summary>
    public bool Fits(YuvFrame source, YuvFrame destination) =>
        source.Width == SourceWidth && source.Height == SourceHeight && destination.Width == DestinationWidth && destination.Height == DestinationHeight;

    /// <summary>All three planes; the range travels with the picture.</summary>
    public void Resize(YuvFrame source, YuvFrame destination)
    {
        ResizeLuma(source, destination);
        ResizeChroma(source, destination);
    }

    /// <summary>Y only.</summary>
    public void ResizeLuma(YuvFrame source, YuvFrame destination)
    {
        if (_luma is null)
            throw new InvalidOperationException("this resizer was made for chroma only");
        Require(source, destination);
        _luma.Resize(source.Y, source.YStride, destination.Y, destination.YStride);
    }

    /// <summary>U and V only.</summary>
    public void ResizeChroma(YuvFrame source, YuvFrame destination)
    {
        Require(source, destination);
        destination.Range = source.Range;
        _chroma.Resize(source.U, source.ChromaStride, destination.U, destination.ChromaStride);
        _chroma.Resize(source.V, source.ChromaStride, destination.V, destination.ChromaStride);
    }

    /// <summary>U and V rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of the destination's chroma planes.</summary>
    public void ResizeChromaRows(YuvFrame source, YuvFrame destination, int rowStart, int rowEnd)
    {
        Require(source, destination);
        _chroma.ResizeRows(source.U, source.ChromaStride, destination.U, destination.ChromaStride, rowStart, rowEnd);
        _chroma.ResizeRows(source.V, source.ChromaStride, destination.V, destination.ChromaStride, rowStart, rowEnd);
    }

    void Require(YuvFrame source, YuvFrame destination)
    {
        if (!Fits(source, destination))
            throw new ArgumentException($"resizer is {SourceWidth}x{SourceHeight} -> {DestinationWidth}x{DestinationHeight}, " +
                $"frames are {source.Width}x{source.Height} -> {destination.Width}x{destination.Height}");
    }
}
