using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.Daemon.Control;
using ClassSR.Edge.IO.Gpio;
using ClassSR.Edge.Daemon.Panel;
using ClassSR.Edge.Daemon.Sinks;

namespace ClassSR.Edge.Daemon;

/// <summary>
/// What `classsr-edge run` was asked to do; fixed once the daemon starts (runtime state lives elsewhere). Made from the
/// options table (<see cref="OptionTable.DaemonOf"/>), whose defaults these are and which checks each value; only
/// combinations are checked here.
/// </summary>
public sealed class DaemonOptions
{
    /// <summary>synthetic, y4m:PATH, PATH.y4m or raw:PATH ("-" for stdin).</summary>
    public string Source { get; init; } = OptionTable.Source.Default;
    /// <summary>The layout of raw: frames, WxH:i420|nv12|yuyv.</summary>
    public string? Raw { get; init; }
    /// <summary>Pacing for file and synthetic sources; null keeps the source's own rate.</summary>
    public double? Fps { get; init; }
    public bool Loop { get; init; }
    /// <summary>WxH to ask a v4l2: camera for; null: 640x480.</summary>
    public string? Size { get; init; }
    /// <summary>yuyv, nv12 or mjpeg to ask a v4l2: camera for; null: the first of nv12, yuyv, mjpeg it offers.</summary>
    public string? PixelFormat { get; init; }
    /// <summary>Null: no HTTP server.</summary>
    public ListenAddress? Listen { get; init; } = OptionTable.Listen.Default;
    public string? AuthToken { get; init; }
    /// <summary>Write upscaled frames as YUV4MPEG2 to stdout.</summary>
    public bool Y4mToStdout { get; init; }
    /// <summary>A framebuffer device to show upscaled frames on (<c>--output fb:/dev/fb0</c>); null: none.</summary>
    public string? Framebuffer { get; init; }
    /// <summary>
    /// The raw-frame Unix socket; null: none. The default lives in systemd's RuntimeDirectory and is skipped
    /// when that directory does not exist (a run outside the service).
    /// </summary>
    public string? FramesSocket { get; init; } = OptionTable.FramesSocket.Default;
    /// <summary>Status LED and mode button lines; null: no GPIO.</summary>
    public GpioOptions? Gpio { get; init; }
    /// <summary>v4l2loopback nodes to write upscaled frames to (--output v4l2:PATH, repeatable).</summary>
    public IReadOnlyList<string> V4l2Outputs { get; init; } = [];
    public int JpegQuality { get; init; } = OptionTable.JpegQuality.Default;
    /// <summary>Stop after this long (tests, benchmarks); null runs until a signal.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>A socket asked for by path (not the default), which must then come up.</summary>
    public bool FramesSocketExplicit => FramesSocket is { } p && p != FrameSocketSink.DefaultPath;

    /// <summary>Checks the combinations before anything starts.</summary>
    /// <exception cref="ArgumentException">A one-line reason.</exception>
    public void Validate()
    {
        if (Listen is { IsLoopback: false } l && string.IsNullOrEmpty(AuthToken))
            throw new ArgumentException($"refusing to listen on {l} without --auth-token: it is not a loopback address");
        Gpio?.Validate();
        if (Listen is null && !Y4mToStdout && Framebuffer is null && V4l2Outputs.Count == 0 && !FramesSocketExplicit)
            throw new ArgumentException("nothing to serve: --listen none needs --output y4m:-, fb:DEVICE or v4l2:DEVICE, or --frames-socket PATH");
    }
}
