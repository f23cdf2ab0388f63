namespace ClassSR.Edge.Daemon;

/// <summary>The frame outputs asked for with <c>--output</c> (repeatable) or the config's "output" (a string or a list).</summary>
public sealed record OutputSpecs(bool Y4mToStdout, string? Framebuffer)
{
    public const string Forms = "y4m:-, fb:/dev/fbN or none";
    public static readonly OutputSpecs None = new(false, null);

    /// <exception cref="FormatException">An output not understood, or the same kind twice.</exception>
    public static OutputSpecs Parse(IReadOnlyList<string> specs)
    {
        bool y4m = false;
        string? fb = null;
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
            else
                throw new FormatException($"'{s}' is not {Forms}");
        }
        return new OutputSpecs(y4m, fb);
    }
}
