using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// The bicubic x4 of the frame ClassSR upscaled, for the viewer's split view: what the camera looks like without
/// super-resolution. The same MATLAB-compatible bicubic as the engine's bicubic mode; made only while a viewer asks.
/// </summary>
internal sealed class BicubicView
{
    BicubicResizer? _luma, _chroma;

    public YuvFrame Frame { get; private set; } = new(1, 1);

    /// <summary>Holds an output-sized frame and its resizers.</summary>
    public bool Allocated => _luma != null;

    /// <summary>Lets the frame and resizers go (nobody watches): the next Render makes them again.</summary>
    public void Release()
    {
        (_luma, _chroma) = (null, null);
        Frame = new YuvFrame(1, 1);
    }

    public void Render(YuvFrame lr, int scale)
    {
        if (_luma is null || _luma.SourceWidth != lr.Width || _luma.SourceHeight != lr.Height)
        {
            int w = lr.Width * scale, h = lr.Height * scale;
            _luma = new BicubicResizer(lr.Width, lr.Height, w, h);
            _chroma = new BicubicResizer(lr.ChromaWidth, lr.ChromaHeight, (w + 1) / 2, (h + 1) / 2);
            Frame = new YuvFrame(w, h, lr.Range);
        }
        var hr = Frame;
        hr.Range = lr.Range;
        _luma.Resize(lr.Y, lr.YStride, hr.Y, hr.YStride);
        _chroma!.Resize(lr.U, lr.ChromaStride, hr.U, hr.ChromaStride);
        _chroma.Resize(lr.V, lr.ChromaStride, hr.V, hr.ChromaStride);
    }
}
