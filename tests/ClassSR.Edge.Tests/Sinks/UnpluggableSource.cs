using System.Diagnostics;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Tests.Sinks;

/// <summary>
/// A 64x48 camera at about 50 fps that can be unplugged: while away, opening and reading fail as a device would.
/// <paramref name="still"/> shows the synthetic scene's first frame every time (a camera that does not move).
/// </summary>
internal sealed class UnpluggableSource(ColorRange range = ColorRange.Limited, bool still = false) : IFrameSource
{
    long _n;
    public volatile bool Plugged = true;
    public string Name => "unpluggable";
    public int Width => 64;
    public int Height => 48;
    public double Fps => 50;
    public bool EndIsFinal => false;
    public long CorruptFrames => 0;

    public void Open()
    {
        if (!Plugged)
            throw new IOException("unplugged");
    }

    public bool Read(YuvFrame destination, out long capturedTicks, CancellationToken cancel)
    {
        if (!Plugged)
            throw new IOException("unplugged");
        cancel.WaitHandle.WaitOne(20);
        SyntheticSource.Render(still ? 0 : _n++, destination);
        destination.Range = range;
        capturedTicks = Stopwatch.GetTimestamp();
        return true;
    }

    public void Close() { }
    public void Dispose() { }
}
