namespace ClassSR.Edge.Daemon.Sources;

static class InputStream
{
    /// <summary>stdin for "-", else the file or FIFO, unbuffered: the sources' ByteReader is the buffer and tracks the position for looping.</summary>
    public static Stream Open(string path) => path == "-"
        ? Console.OpenStandardInput()
        : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
}
