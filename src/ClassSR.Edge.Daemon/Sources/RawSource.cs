using System.Diagnostics;
using System.Globalization;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sources;

public enum RawPixelFormat { I420, Nv12, Yuyv }

/// <summary>The layout of headerless frames: <c>WxH:i420|nv12|yuyv</c>, tightly packed.</summary>
public readonly record struct RawFormat(int Width, int Height, RawPixelFormat Pixels)
{
    public int FrameLength
    {
        get
        {
            long cw = (Width + 1) / 2, ch = (Height + 1) / 2;
            return checked((int)(Pixels switch
            {
                RawPixelFormat.Yuyv => 4 * cw * Height,
                _ => (long)Width * Height + 2 * cw * ch,
            }));
        }
    }

    public static RawFormat Parse(string spec)
    {
        int colon = spec.IndexOf(':');
        int x = spec.IndexOf('x');
        if (colon < 0 || x < 0 || x > colon
            || !int.TryParse(spec.AsSpan(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            || !int.TryParse(spec.AsSpan(x + 1, colon - x - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            || w < 1 || h < 1 || (long)w * h > 64L * 1024 * 1024)
            throw new FormatException(Printable.Of($"'{spec}' is not WxH:i420|nv12|yuyv"));
        var pixels = spec[(colon + 1)..] switch
        {
            "i420" => RawPixelFormat.I420,
            "nv12" => RawPixelFormat.Nv12,
            "yuyv" => RawPixelFormat.Yuyv,
            var f => throw new FormatException(Printable.Of($"'{f}' is not one of i420, nv12, yuyv")),
        };
        return new RawFormat(w, h, pixels);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}:{Pixels.ToString().ToLowerInvariant()}");
}

/// <summary>
/// Headerless frames of a known layout from a file (paced, optionally looped), a FIFO or stdin ("-"): what
/// <c>rpicam-vid --codec yuv420 -o -</c> writes. Without markers a damaged frame cannot be found, only a
/// short one at the end of the stream, which is counted and dropped.
/// </summary>
public sealed class RawSource : IFrameSource
{
    readonly string _path;
    readonly bool _loop;
    readonly RawFormat _format;
    readonly byte[] _buffer;
    readonly ColorRange _range;
    Stream? _stream;
    Pacer? _pacer;
    bool _seekable;
    long _corrupt;

    public RawSource(string path, RawFormat format, double fps, bool loop, ColorRange range = ColorRange.Limited)
    {
        _path = path;
        _format = format;
        _loop = loop;
        _range = range;
        Fps = fps;
        _buffer = GC.AllocateUninitializedArray<byte>(format.FrameLength);
        Name = $"raw:{path} {format}";
    }

    public string Name { get; }
    public int Width => _format.Width;
    public int Height => _format.Height;
    public double Fps { get; }
    public bool EndIsFinal => _path == "-" || (_seekable && !_loop);
    public long CorruptFrames => Interlocked.Read(ref _corrupt);

    public void Open()
    {
        Close();
        _stream = InputStream.Open(_path);
        _seekable = _stream.CanSeek;
        _pacer = _seekable ? new Pacer(Fps) : null;
    }

    public bool Read(YuvFrame destination, out long capturedTicks, CancellationToken cancel)
    {
        capturedTicks = 0;
        var stream = _stream ?? throw new InvalidOperationException("source is not open");
        if (destination.Width != Width || destination.Height != Height)
            throw new ArgumentException($"frame is {destination.Width}x{destination.Height}, the source is {Width}x{Height}");
        if (_pacer != null && !_pacer.Wait(cancel))
            return false;
        bool rewound = false;
        while (true)
        {
            int got = stream.ReadAtLeast(_buffer, _buffer.Length, throwOnEndOfStream: false);
            if (got == _buffer.Length)
                break;
            if (got > 0)
                Interlocked.Increment(ref _corrupt);
            if (!_loop || !_seekable || rewound)
                return false;
            stream.Seek(0, SeekOrigin.Begin);
            rewound = true;
        }
        switch (_format.Pixels)
        {
            case RawPixelFormat.I420:
                int ySize = Width * Height, cSize = destination.ChromaWidth * destination.ChromaHeight;
                _buffer.AsSpan(0, ySize).CopyTo(destination.Y);
                _buffer.AsSpan(ySize, cSize).CopyTo(destination.U);
                _buffer.AsSpan(ySize + cSize, cSize).CopyTo(destination.V);
                break;
            case RawPixelFormat.Nv12:
                YuvFrame.FromNv12(_buffer, destination);
                break;
            default:
                YuvFrame.FromYuyv(_buffer, destination);
                break;
        }
        destination.Range = _range;
        capturedTicks = Stopwatch.GetTimestamp();
        return true;
    }

    public void Close()
    {
        if (_stream != null && _path != "-")
            _stream.Dispose();
        _stream = null;
    }

    public void Dispose() => Close();
}
