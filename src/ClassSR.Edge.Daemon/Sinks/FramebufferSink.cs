using ClassSR.Edge.IO.Framebuffer;
using ClassSR.Edge.Daemon.Pipeline;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// Shows upscaled frames on a Linux framebuffer (<c>--output fb:/dev/fb0</c>), letterboxed to the screen. Draws
/// straight into the visible page, so a frame can tear; fbdev offers no vsync that every driver honours.
/// </summary>
public sealed class FramebufferSink : FrameSink
{
    readonly IFramebufferDevice _device;
    readonly LetterboxPainter _painter;

    /// <summary>Takes ownership of <paramref name="device"/>.</summary>
    /// <exception cref="NotSupportedException">The device's pixel format or geometry is not one this draws.</exception>
    public FramebufferSink(IFramebufferDevice device) : base("framebuffer")
    {
        _device = device;
        try
        {
            _painter = new LetterboxPainter(device);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>Opens the device now, so a missing or unsupported display fails start-up rather than the first frame.</summary>
    /// <exception cref="IOException">Cannot open, query or map the device, or its format is not supported.</exception>
    public static FramebufferSink Open(string path)
    {
        try
        {
            return new FramebufferSink(new LinuxFramebuffer(path));
        }
        catch (NotSupportedException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    public string Describe()
    {
        var (w, h) = _painter.Screen;
        return $"{_device.Name} {w}x{h} {_painter.Format.Name}, line length {_device.Fixed.LineLength}";
    }

    protected override void Consume(PipelineFrame frame) => _painter.Paint(frame.Image);

    public override void Stop(TimeSpan timeout)
    {
        base.Stop(timeout);
        if (ThreadEnded)
            _painter.Clear();
    }

    public override void Dispose()
    {
        // Unmapping under a sink thread still drawing would fault; a stuck thread keeps the mapping until exit.
        if (ThreadEnded)
            _device.Dispose();
    }
}
