using ClassSR.Edge.Daemon.Control;
using ClassSR.Edge.IO.V4l2;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sources;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// Makes the sinks a run's options ask for, in the order frames are handed to them: MJPEG on the control server,
/// y4m on stdout, the framebuffer, the raw-frame socket, v4l2loopback outputs. The counterpart of <see cref="SourceSpec"/>.
/// </summary>
public static class SinkSpec
{
    /// <param name="server">The control server, when there is one: MJPEG is served on it.</param>
    /// <exception cref="IOException">A device or socket cannot be opened or bound.</exception>
    public static List<FrameSink> Create(DaemonOptions options, ControlServer? server, IFrameSource source, Log log)
    {
        var sinks = new List<FrameSink>();
        try
        {
            if (server != null)
                sinks.Add(new MjpegSink(server, options.JpegQuality, log));
            if (options.Y4mToStdout)
                sinks.Add(new Y4mSink(Console.OpenStandardOutput(), () => source.Fps));
            if (options.Framebuffer is { } fbPath)
            {
                var fb = FramebufferSink.Open(fbPath);
                log.Info($"showing frames on {fb.Describe()}");
                sinks.Add(fb);
            }
            if (FrameSocket(options, log) is { } socket)
                sinks.Add(socket);
            foreach (string device in options.V4l2Outputs)
                sinks.Add(new V4l2LoopbackSink(device, new LinuxV4l2Device(), log, () => source.Fps));
        }
        catch
        {
            foreach (var s in sinks)
                s.Dispose();
            throw;
        }
        return sinks;
    }

    /// <summary>The raw-frame socket, bound; null when none was asked for or the default's directory is missing.</summary>
    static FrameSocketSink? FrameSocket(DaemonOptions options, Log log)
    {
        if (options.FramesSocket is not { } path)
            return null;
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!options.FramesSocketExplicit && !Directory.Exists(dir))
        {
            log.Info($"no raw-frame socket: {dir} does not exist (the systemd unit makes it; --frames-socket PATH picks another)");
            return null;
        }
        var sink = new FrameSocketSink(path, log);
        try
        {
            sink.Bind();
        }
        catch (IOException e) when (!options.FramesSocketExplicit)
        {
            // The default is a convenience: a second daemon run by hand beside the service must still start.
            log.Warn($"no raw-frame socket: {e.Message}");
            return null;
        }
        return sink;
    }
}
