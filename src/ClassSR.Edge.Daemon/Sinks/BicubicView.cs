using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// The bicubic x4 of the frame ClassSR upscaled, for the viewer's split view: what the camera looks like without
/// super-resolution. The same MATLAB-compatible bicubic as the engine's bicubic mode; made only while a viewer asks.
/// </summary>
internal sealed class BicubicView
{
    YuvResizer? _resizer;

    public YuvFrame Frame { get; private set; } = new(1, 1);

    /// <summary>Holds an output-sized frame and its resizers.</summary>
    public bool Allocated => _resizer != null;

    /// <summary>Lets the frame and resizers go (nobody watches): the next Render makes them again.</summary>
    public void Release()
    {
        _resizer = null;
        Frame = new YuvFrame(1, 1);
    }

    public void Render(YuvFrame lr, int scale)
    {
        if (_resizer is null || _resizer.SourceWidth != lr.Width || _resizer.SourceHeight != lr.Height)
        {
            _resizer = new YuvResizer(lr.Width, lr.Height, lr.Width * scale, lr.Height * scale);
            Frame = new YuvFrame(lr.Width * scale, lr.Height * scale, lr.Range);
        }
        _resizer.Resize(lr, Frame);
    }
}
