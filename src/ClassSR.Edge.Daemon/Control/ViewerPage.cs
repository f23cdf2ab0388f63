
namespace ClassSR.Edge.Daemon.Control;

/// <summary>
/// The page at /: the stream, a bicubic-vs-ClassSR split view (the bicubic stream is requested only while the split is
/// on), the class map over the picture from /classes, and live figures from /state. Self-contained: boards are often
/// offline. The page is <c>viewer.html</c> beside this file, embedded in the assembly.
/// </summary>
internal static class ViewerPage
{
    static readonly Lazy<byte[]> Bytes = new(() =>
    {
        using var s = typeof(ViewerPage).Assembly.GetManifestResourceStream("viewer.html")
            ?? throw new InvalidOperationException("viewer.html is not embedded in " + typeof(ViewerPage).Assembly.GetName().Name);
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    });

    /// <summary>The page, UTF-8.</summary>
    public static ReadOnlyMemory<byte> Html => Bytes.Value;
}
