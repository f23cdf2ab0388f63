namespace ClassSR.Edge.Daemon;

/// <summary>The frame outputs asked for with <c>--output</c> (repeatable) or the config's "output" (a string or a list).</summary>
public sealed record OutputSpecs(bool Y4mToStdout, string? Framebuffer, IReadOnlyList<string> V4l2)
{
    public const string Forms = "y4m:-, fb:/dev/fbN, v4l2:DEVICE or none";
    public static readonly OutputSpecs None = new(false, null, []);

    /// <exception cref="FormatException">An output not understood, or the same kind twice.</exception>
    public static OutputSpecs Parse(IReadOnlyList<string> specs)
    {
        bool y4m = false;
        string? fb = null;
        var v4l2 = new List<string>();
        foreach (var s in specs)
        {
            if (s == "none")
            {
                // "none" next to a real output is a contradiction, not a way to switch one off.
                if (specs.Count > 1)
                    throw new FormatException("'none' cannot be combined with other outputs");
            }
            else if (s == "y4m:-")
                y4m = !y4m ? true : throw new FormatException("y4m:- is given twice");
            else if (s.StartsWith("fb:", StringComparison.Ordinal) && s.Length > 3)
                fb = fb is null ? s[3..] : throw new FormatException($"only one framebuffer output (got {fb} and {s[3..]})");
            else if (s.StartsWith("v4l2:", StringComparison.Ordinal) && s.Length > 5)
            {
                // Several virtual cameras may be fed at once; the same one twice is a slip.
                if (v4l2.Contains(s[5..]))
                    throw new FormatException($"{s} is given twice");
                v4l2.Add(s[5..]);
            }
            else
                throw new FormatException($"'{s}' is not {Forms}");
        }
        return new OutputSpecs(y4m, fb, v4l2);
    }
}
