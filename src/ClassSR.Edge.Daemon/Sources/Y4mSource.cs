using System.Diagnostics;
using System.Text;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sources;

/// <summary>
/// YUV4MPEG2 from a file (paced to its frame rate, optionally looped), a FIFO or stdin ("-"). A damaged frame
/// (a bad FRAME marker, or one cut short so that the next marker shows up inside its payload) is skipped and
/// counted, and reading resumes at the next marker.
/// </summary>
public sealed class Y4mSource : IFrameSource
{
    static ReadOnlySpan<byte> FrameMarker => "FRAME"u8;
    static ReadOnlySpan<byte> AfterMarker => " \n"u8;
    const int MaxFrameLine = 256;

    readonly string _path;
    readonly bool _loop;
    readonly double? _fpsOverride;
    readonly byte[] _line = new byte[Math.Max(Y4mHeader.MaxLength, MaxFrameLine)];
    Stream? _stream;
    ByteReader? _reader;
    Pacer? _pacer;
    byte[] _payload = [];
    long _dataStart;
    bool _seekable;
    long _corrupt;

    /// <param name="path">A file or FIFO, or "-" for stdin.</param>
    /// <param name="fps">Pacing rate for a file instead of the header's; null keeps the header's.</param>
    public Y4mSource(string path, bool loop, double? fps = null)
    {
        _path = path;
        _loop = loop;
        _fpsOverride = fps;
        Name = "y4m:" + path;
    }

    public string Name { get; }
    public Y4mHeader? Header { get; private set; }
    public int Width => Header?.Width ?? 0;
    public int Height => Header?.Height ?? 0;
    public double Fps => _fpsOverride ?? Header?.Fps ?? 0;
    public bool EndIsFinal => _path == "-" || (_seekable && !_loop);
    public long CorruptFrames => Interlocked.Read(ref _corrupt);

    public void Open()
    {
        Close();
        _stream = InputStream.Open(_path);
        try
        {
            _reader = new ByteReader(_stream, 1 << 16);
            int n = _reader.ReadLine(_line.AsSpan(0, Y4mHeader.MaxLength));
            if (n == -1)
                throw new EndOfStreamException($"{Name}: empty stream, no YUV4MPEG2 header");
            if (n < 0)
                throw new FrameFormatException($"{Name}: not a YUV4MPEG2 stream (no header line within {Y4mHeader.MaxLength} bytes)");
            string text = Encoding.ASCII.GetString(_line, 0, n);
            Y4mHeader header;
            try
            {
                header = Y4mHeader.Parse(text);
            }
            catch (FrameFormatException e)
            {
                throw new FrameFormatException($"{Name}: {e.Message}");
            }
            Header = header;
            if (_payload.Length != header.PayloadLength)
                _payload = GC.AllocateUninitializedArray<byte>(header.PayloadLength);
            _reader.EnsureCapacity(header.PayloadLength + (1 << 16));
            _seekable = _stream.CanSeek;
            _dataStart = _seekable ? _stream.Position - _reader.Buffered : 0;
            // A pipe is paced by its writer; only a file needs holding back to its frame rate.
            _pacer = _seekable ? new Pacer(Fps) : null;
        }
        catch
        {
            Close();
            throw;
        }
    }

    public bool Read(YuvFrame destination, out long capturedTicks, CancellationToken cancel)
    {
        capturedTicks = 0;
        var reader = _reader ?? throw new InvalidOperationException("source is not open");
        var header = Header!;
        if (destination.Width != header.Width || destination.Height != header.Height)
            throw new ArgumentException($"frame is {destination.Width}x{destination.Height}, the stream is {header.Width}x{header.Height}");
        if (_pacer != null && !_pacer.Wait(cancel))
            return false;
        bool rewound = false;
        while (!cancel.IsCancellationRequested)
        {
            int n = reader.ReadLine(_line.AsSpan(0, MaxFrameLine));
            if (n == -1)
            {
                // Twice at the end in one call: the file has no readable frame, and looping would spin forever.
                if (!_loop || !_seekable || rewound)
                    return false;
                Rewind();
                rewound = true;
                continue;
            }
            if (n < 0 || !IsFrameLine(_line.AsSpan(0, n)))
            {
                Interlocked.Increment(ref _corrupt);
                // At the end of the stream SkipTo consumes everything and the next ReadLine reports it.
                reader.SkipTo(FrameMarker, AfterMarker);
                continue;
            }
            int got = reader.Read(_payload);
            if (got < _payload.Length)
            {
                // Cut short by the end of the stream (or of a file being written).
                Interlocked.Increment(ref _corrupt);
                if (got > 0 && FindMarker(_payload.AsSpan(0, got)) is int cut and >= 0)
                    reader.Unread(_payload.AsSpan(cut, got - cut));
                continue;
            }
            if (FindMarker(_payload) is int at and >= 0)
            {
                // The next frame's marker inside this payload: this frame was truncated.
                Interlocked.Increment(ref _corrupt);
                reader.Unread(_payload.AsSpan(at));
                continue;
            }
            Unpack(_payload, header, destination);
            capturedTicks = Stopwatch.GetTimestamp();
            return true;
        }
        return false;
    }

    void Rewind()
    {
        _stream!.Seek(_dataStart, SeekOrigin.Begin);
        _reader!.Discard();
    }

    static bool IsFrameLine(ReadOnlySpan<byte> line) =>
        line.StartsWith(FrameMarker) && (line.Length == FrameMarker.Length || line[FrameMarker.Length] == (byte)' ');

    /// <summary>
    /// Where a "FRAME\n" or "FRAME " marker starts in a payload, or -1. Picture data matching those six bytes by
    /// chance is rare enough (about 2^-48 per position) that a match is taken for a truncated frame.
    /// </summary>
    static int FindMarker(ReadOnlySpan<byte> data)
    {
        int offset = 0;
        while (true)
        {
            int at = data[offset..].IndexOf(FrameMarker);
            if (at < 0)
                return -1;
            at += offset;
            int after = at + FrameMarker.Length;
            if (after < data.Length && (data[after] == (byte)'\n' || data[after] == (byte)' '))
                return at;
            offset = at + 1;
        }
    }

    static void Unpack(ReadOnlySpan<byte> payload, Y4mHeader header, YuvFrame frame)
    {
        int w = frame.Width, h = frame.Height, cw = frame.ChromaWidth, ch = frame.ChromaHeight;
        int ySize = w * h;
        payload[..ySize].CopyTo(frame.Y);
        if (header.Chroma != Y4mChroma.C422)
        {
            payload.Slice(ySize, cw * ch).CopyTo(frame.U);
            payload.Slice(ySize + cw * ch, cw * ch).CopyTo(frame.V);
        }
        else
        {
            // 4:2:2 has a chroma row per luma row; 4:2:0 keeps the rounded mean of each pair.
            int plane = cw * h;
            HalveRows(payload.Slice(ySize, plane), frame.U, cw, h);
            HalveRows(payload.Slice(ySize + plane, plane), frame.V, cw, h);
        }
        frame.Range = header.Range;
    }

    static void HalveRows(ReadOnlySpan<byte> src, Span<byte> dst, int width, int height)
    {
        for (int y = 0; y < height; y += 2)
        {
            var a = src.Slice(y * width, width);
            var b = y + 1 < height ? src.Slice((y + 1) * width, width) : a;
            var o = dst.Slice(y / 2 * width, width);
            for (int x = 0; x < width; x++)
                o[x] = (byte)((a[x] + b[x] + 1) >> 1);
        }
    }

    public void Close()
    {
        // Disposing stdin's stream would close fd 0 for good; it is only dropped.
        if (_stream != null && _path != "-")
            _stream.Dispose();
        _stream = null;
        _reader = null;
    }

    public void Dispose() => Close();
}
