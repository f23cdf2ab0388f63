using ClassSR.Edge.IO.V4l2;

namespace ClassSR.Edge.Daemon.Sources;

/// <summary>Makes a source from its command-line spec: synthetic, y4m:PATH (or PATH.y4m), raw:PATH, v4l2:DEVICE; "-" is stdin.</summary>
public static class SourceSpec
{
    public const double DefaultFps = 30;

    /// <exception cref="FormatException">The spec or the raw layout is not understood; the message says why.</exception>
    /// <param name="size">WxH to ask a camera for (v4l2: only).</param>
    /// <param name="pixelFormat">yuyv, nv12 or mjpeg to ask a camera for (v4l2: only); null picks one.</param>
    public static IFrameSource Create(string spec, string? raw, double? fps, bool loop, string? size = null, string? pixelFormat = null)
    {
        if (spec.StartsWith("v4l2:", StringComparison.Ordinal))
        {
            RejectRaw(raw, spec);
            string device = spec[5..];
            if (device.Length == 0 || device == "-")
                throw new FormatException($"source '{spec}' has no device path (v4l2:/dev/video0)");
            var (w, h) = size is null ? (640, 480) : V4l2CaptureRequest.ParseSize(size);
            V4l2PixelFormat? format = pixelFormat is null ? null
                : V4l2CaptureRequest.ParseFormat(pixelFormat) ?? throw new FormatException($"pixel format '{pixelFormat}' is not one of {V4l2CaptureRequest.FormatNames}");
            return new V4l2Source(device, new V4l2CaptureRequest(w, h, fps, format), new LinuxV4l2Device());
        }
        if (size != null || pixelFormat != null)
            throw new FormatException($"--size and --pixel-format apply to v4l2: sources, not '{spec}'");
        if (spec == "synthetic")
        {
            RejectRaw(raw, spec);
            return new SyntheticSource(fps ?? DefaultFps);
        }
        if (spec.StartsWith("y4m:", StringComparison.Ordinal) || spec.EndsWith(".y4m", StringComparison.OrdinalIgnoreCase))
        {
            RejectRaw(raw, spec);
            string path = spec.StartsWith("y4m:", StringComparison.Ordinal) ? spec[4..] : spec;
            return new Y4mSource(RequirePath(path, spec), loop, fps);
        }
        if (spec.StartsWith("raw:", StringComparison.Ordinal))
        {
            if (raw is null)
                throw new FormatException($"source '{spec}' needs --raw WxH:i420|nv12|yuyv");
            return new RawSource(RequirePath(spec[4..], spec), RawFormat.Parse(raw), fps ?? DefaultFps, loop);
        }
        throw new FormatException($"source '{spec}' is not synthetic, y4m:PATH, PATH.y4m, raw:PATH or v4l2:DEVICE");
    }

    static string RequirePath(string path, string spec) =>
        path.Length > 0 ? path : throw new FormatException($"source '{spec}' has no path (use - for stdin)");

    static void RejectRaw(string? raw, string spec)
    {
        if (raw != null)
            throw new FormatException($"--raw applies to raw: sources, not '{spec}'");
    }
}
