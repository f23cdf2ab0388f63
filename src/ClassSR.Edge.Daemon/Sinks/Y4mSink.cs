using System.Text;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// Upscaled frames as YUV4MPEG2 on a stream (stdout for <c>--output y4m:-</c>), for <c>| ffmpeg -i -</c> or
/// <c>| ffplay -</c>. Chroma is C420jpeg: the engine's chroma is box-filtered and resized centre-sited,
/// which is that layout. A stream has one size, so a source that comes back at another size ends the output.
/// </summary>
/// <param name="fps">Asked at the first frame, when the source has opened and knows its rate.</param>
public sealed class Y4mSink(Stream output, Func<double> fps) : FrameSink("y4m")
{
    static ReadOnlySpan<byte> FrameLine => "FRAME\n"u8;
    int _width, _height;

    protected override void Consume(PipelineFrame frame)
    {
        var image = frame.Image;
        if (_width == 0)
        {
            var (num, den) = Y4mHeader.RatioOf(fps() is > 0 and var f ? f : SourceSpec.DefaultFps);
            var header = new Y4mHeader(image.Width, image.Height, num, den, Y4mChroma.C420Jpeg, image.Range);
            output.Write(Encoding.ASCII.GetBytes(header.Format() + "\n"));
            (_width, _height) = (image.Width, image.Height);
        }
        else if (image.Width != _width || image.Height != _height)
            throw new IOException($"frames changed size from {_width}x{_height} to {image.Width}x{image.Height}, which a y4m stream cannot carry");
        output.Write(FrameLine);
        output.Write(image.Y);
        output.Write(image.U);
        output.Write(image.V);
        output.Flush();
    }
}
