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
        string message = $"cannot decode '{path}': {reason}";
        return inner is null
            ? new ImageFormatException(message) { Path = path }
            : new ImageFormatException(message, inner) { Path = path };
    }
}
