namespace ClassSR.Edge.Daemon.Sources;

/// <summary>Makes a source from its command-line spec: synthetic, y4m:PATH (or PATH.y4m), raw:PATH; "-" is stdin.</summary>
public static class SourceSpec
{
    public const double DefaultFps = 30;

    /// <exception cref="FormatException">The spec or the raw layout is not understood; the message says why.</exception>
    public static IFrameSource Create(string spec, string? raw, double? fps, bool loop)
    {
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
        throw new FormatException($"source '{spec}' is not synthetic, y4m:PATH, PATH.y4m or raw:PATH");
    }

    static string RequirePath(string path, string spec) =>
        path.Length > 0 ? path : throw new FormatException($"source '{spec}' has no path (use - for stdin)");

    static void RejectRaw(string? raw, string spec)
    {
        if (raw != null)
            throw new FormatException($"--raw applies to raw: sources, not '{spec}'");
    }
}
