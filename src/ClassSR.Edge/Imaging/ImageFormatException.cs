namespace ClassSR.Edge.Imaging;

/// <summary>An image (file or in-memory frame) could not be decoded; the message is one line, fit for a CLI error.</summary>
public sealed class ImageFormatException : Exception
{
    public ImageFormatException(string message)
        : base(message)
    {
    }

    public ImageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The file that failed, when there was one.</summary>
    public string? Path { get; init; }

    internal static ImageFormatException ForFile(string path, string reason, Exception? inner = null)
    {
        // Decoders' own texts can hold NULs and control bytes (stb_image's for a truncated PNG is one such); keep the
        // printable part, and say what is known when nothing is left.
        string clean = new string([.. reason.Where(c => !char.IsControl(c))]).Trim();
        string message = $"cannot decode '{path}': {(clean.Length > 0 ? clean : "truncated or corrupt image data")}";
        return inner is null
            ? new ImageFormatException(message) { Path = path }
            : new ImageFormatException(message, inner) { Path = path };
    }
}
