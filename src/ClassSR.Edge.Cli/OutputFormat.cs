namespace ClassSR.Edge.Cli;

static class OutputFormat
{
    /// <summary>Fails before any work is done when the output's extension is not one we write.</summary>
    public static void Check(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".jpg" or ".jpeg"))
            throw new ArgumentException($"'{path}': cannot write '{ext}' images (use .png, .jpg or .jpeg)");
    }
}
