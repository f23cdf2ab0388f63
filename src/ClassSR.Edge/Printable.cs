namespace ClassSR.Edge;

/// <summary>Error messages quote what they were given; from a damaged file or a hostile peer that may be any byte.</summary>
public static class Printable
{
    /// <summary><paramref name="text"/> with every control character (NUL, escape codes, newlines) shown as '?': one printable line.</summary>
    public static string Of(string text) =>
        text.AsSpan().IndexOfAnyInRange('\0', '\u001f') < 0 && !text.Contains('\u007f') && !text.Any(char.IsControl)
            ? text
            : string.Create(text.Length, text, static (span, t) =>
            {
                for (int i = 0; i < t.Length; i++)
                    span[i] = char.IsControl(t[i]) ? '?' : t[i];
            });
}
