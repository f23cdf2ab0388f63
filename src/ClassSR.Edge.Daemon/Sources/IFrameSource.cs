using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sources;

/// <summary>
/// Where frames come from. The capture thread owns the source: Open, Read until it returns false or throws,
/// Close, and perhaps Open again after a failure. Width, Height and Fps are valid from a successful Open on
/// (a y4m stream only states them in its header).
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>The spec it was made from, for logs and /state.</summary>
    string Name { get; }

    int Width { get; }
    int Height { get; }

    /// <summary>Nominal frames per second (what the source states or was told).</summary>
    double Fps { get; }

    /// <summary>
    /// True when the end of the stream is final: a file read once, or stdin. Otherwise a source that ends
    /// (a FIFO whose writer went away) is worth opening again.
    /// </summary>
    bool EndIsFinal { get; }

    /// <summary>Frames that arrived damaged and were skipped, since the source was made.</summary>
    long CorruptFrames { get; }

    /// <exception cref="IOException">The source is not there or does not start with a valid stream.</exception>
    void Open();

    /// <summary>
    /// Blocks until the next frame is in <paramref name="destination"/> (which must be Width x Height) and returns
    /// true, with the time it arrived in Stopwatch ticks; false at the end of the stream. Pacing to the source's
    /// fps, when it needs any, happens here.
    /// </summary>
    /// <exception cref="IOException">The source failed; Close, then Open again to retry.</exception>
    bool Read(YuvFrame destination, out long capturedTicks, CancellationToken cancel);

    void Close();
}
