using System.Globalization;

namespace ClassSR.Edge.IO.Power;

/// <summary>
/// sysfs reading under an injectable root ("/" on a board, a temporary folder of fake files in tests).
/// Attribute files hold one number or word and a newline.
/// </summary>
public static class Sysfs
{
    public static string Under(string root, string path) => Path.Combine(root, path.TrimStart('/'));

    /// <summary>Subfolders of <paramref name="dir"/> matching a glob, sorted; none when it does not exist.</summary>
    public static string[] Dirs(string dir, string pattern)
    {
        if (!Directory.Exists(dir))
            return [];
        var d = Directory.GetDirectories(dir, pattern);
        Array.Sort(d, StringComparer.Ordinal);
        return d;
    }

    public static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <exception cref="IOException">Missing, unreadable or not a number.</exception>
    public static double ReadNumber(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"{path}: {e.Message}", e);
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v : throw new IOException($"{path}: '{text}' is not a number");
    }
}
