using System.Diagnostics;
using System.Globalization;
using ClassSR.Edge.IO.V4l2;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sources;

/// <summary>What to ask a camera for; the driver may answer with something close (it decides, the source reports it).</summary>
/// <param name="Format">Null: the first of NV12, YUYV, MJPEG the camera offers (cheapest conversion first).</param>
public sealed record V4l2CaptureRequest(int Width = 640, int Height = 480, double? Fps = null, V4l2PixelFormat? Format = null)
{
    public const string FormatNames = "yuyv, nv12, mjpeg";

    /// <exception cref="FormatException">Not WxH.</exception>
    public static (int Width, int Height) ParseSize(string size)
    {
        int x = size.IndexOf('x');
        if (x < 0
            || !int.TryParse(size.AsSpan(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            || !int.TryParse(size.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            || w is < 16 or > 8192 || h is < 16 or > 8192)
            throw new FormatException($"size '{size}' is not WxH (16..8192 each)");
        return (w, h);
    }

    public static V4l2PixelFormat? ParseFormat(string name) => name switch
    {
        "yuyv" => V4l2PixelFormat.Yuyv,
        "nv12" => V4l2PixelFormat.Nv12,
        "mjpeg" => V4l2PixelFormat.Mjpeg,
        _ => null,
    };

    public static uint FourCc(V4l2PixelFormat format) => format switch
    {
        V4l2PixelFormat.Yuyv => V4l2Abi.PixFmtYuyv,
        V4l2PixelFormat.Nv12 => V4l2Abi.PixFmtNv12,
        _ => V4l2Abi.PixFmtMjpeg,
    };
}

/// <summary>
/// A V4L2 camera through streaming I/O: mmap'd driver buffers, poll, DQBUF, convert into the I420 frame, QBUF
/// back. YUYV and NV12 are converted in place from the driver's buffer (its row stride honoured); MJPEG is
/// decoded by TurboJPEG straight into the planes. A frame the driver flags as bad, or an MJPEG frame that does
/// not decode, is skipped and counted. A camera that goes away (ENODEV, EIO, a poll error, or no frame for
/// 2 s) makes Read throw IOException, so the pipeline shows NO SIGNAL and reopens.
/// </summary>
public sealed unsafe class V4l2Source : IFrameSource
{
    public const int BufferCount = 4;
    public static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(2);
    // Poll in slices so a stop request is seen within this long even while the camera is silent.
    const int PollSliceMs = 100;

    readonly string _path;
    readonly V4l2CaptureRequest _request;
    readonly IV4l2Device _device;
    readonly JpegDecoder? _jpeg;
    readonly nint[] _maps = new nint[BufferCount];
    readonly int[] _mapLengths = new int[BufferCount];
    int _mapped;
    bool _open, _streaming;
    V4l2PixelFormat _format;
    int _bytesPerLine;
    ColorRange _range;
    long _corrupt;

    public V4l2Source(string path, V4l2CaptureRequest request, IV4l2Device device)
    {
        _path = path;
        _request = request;
        _device = device;
        Width = request.Width;
        Height = request.Height;
        Fps = request.Fps ?? SourceSpec.DefaultFps;
        // Made up front even if the camera turns out not to offer MJPEG: Open stays free of native setup failures.
        _jpeg = request.Format is null or V4l2PixelFormat.Mjpeg ? new JpegDecoder() : null;
        Name = "v4l2:" + path;
    }

    public string Name { get; }
    public int Width { get; private set; }
    public int Height { get; private set; }
    public double Fps { get; private set; }
    public bool EndIsFinal => false;
    public long CorruptFrames => Interlocked.Read(ref _corrupt);

    /// <summary>The format the camera agreed to, valid after Open.</summary>
    public V4l2PixelFormat Format => _format;

    public void Open()
    {
        Close();
        // Before the open: a failure part-way must still reach Close.
        _open = true;
        try
        {
            Negotiate(V4l2Node.Open(_device, _path));
            StartStreaming();
        }
        catch
        {
            Close();
            throw;
        }
    }

    void Negotiate(V4l2Capability cap)
    {
        uint caps = cap.NodeCaps;
        string card = cap.CardName();
        if ((caps & V4l2Abi.CapVideoCapture) == 0)
            throw new IOException($"{_path} ({card}) is not a video capture device (capabilities 0x{caps:X8})");
        if ((caps & V4l2Abi.CapStreaming) == 0)
            throw new IOException($"{_path} ({card}) does not support streaming I/O, which the source needs");

        uint chosen = ChooseFormat(OfferedFormats());
        var fmt = new V4l2Format { Type = V4l2Abi.BufTypeVideoCapture };
        fmt.Pix.Width = (uint)_request.Width;
        fmt.Pix.Height = (uint)_request.Height;
        fmt.Pix.PixelFormat = chosen;
        fmt.Pix.Field = V4l2Abi.FieldNone;
        Check("VIDIOC_S_FMT", _device.Ioctl(V4l2Abi.VIDIOC_S_FMT, ref fmt));
        if (fmt.Pix.PixelFormat != chosen)
            throw new IOException($"{_path}: asked for {V4l2Abi.FourCcText(chosen)}, the driver set {V4l2Abi.FourCcText(fmt.Pix.PixelFormat)}");
        if (fmt.Pix.Width is 0 or > 8192 || fmt.Pix.Height is 0 or > 8192)
            throw new IOException($"{_path}: the driver set an unusable size {fmt.Pix.Width}x{fmt.Pix.Height}");
        Width = (int)fmt.Pix.Width;
        Height = (int)fmt.Pix.Height;
        _format = chosen switch
        {
            V4l2Abi.PixFmtYuyv => V4l2PixelFormat.Yuyv,
            V4l2Abi.PixFmtNv12 => V4l2PixelFormat.Nv12,
            _ => V4l2PixelFormat.Mjpeg,
        };
        int cw = (Width + 1) / 2;
        int tight = _format == V4l2PixelFormat.Yuyv ? 4 * cw : Width;
        _bytesPerLine = _format == V4l2PixelFormat.Mjpeg ? 0 : Math.Max(tight, (int)fmt.Pix.BytesPerLine);
        // JPEG carries full range; raw YUV from a camera is limited unless the driver says otherwise.
        _range = _format == V4l2PixelFormat.Mjpeg || fmt.Pix.Quantization == V4l2Abi.QuantizationFullRange
            ? ColorRange.Full : ColorRange.Limited;

        Fps = _request.Fps ?? SourceSpec.DefaultFps;
        var parm = new V4l2StreamParm { Type = V4l2Abi.BufTypeVideoCapture };
        if (_device.Ioctl(V4l2Abi.VIDIOC_G_PARM, ref parm) == 0 && (parm.Capability & V4l2Abi.CapTimePerFrame) != 0)
        {
            if (_request.Fps is { } fps)
            {
                parm.TimePerFrame = new V4l2Fract { Numerator = 1000, Denominator = (uint)Math.Round(fps * 1000) };
                Check("VIDIOC_S_PARM", _device.Ioctl(V4l2Abi.VIDIOC_S_PARM, ref parm));
            }
            if (parm.TimePerFrame is { Numerator: > 0, Denominator: > 0 } t)
                Fps = t.Denominator / (double)t.Numerator;
        }
    }

    List<uint> OfferedFormats()
    {
        var offered = new List<uint>();
        for (uint i = 0; i < 64; i++)
        {
            var desc = new V4l2FmtDesc { Index = i, Type = V4l2Abi.BufTypeVideoCapture };
            int err = _device.Ioctl(V4l2Abi.VIDIOC_ENUM_FMT, ref desc);
            if (err == Errno.EINVAL)
                break;
            Check("VIDIOC_ENUM_FMT", err);
            offered.Add(desc.PixelFormat);
        }
        return offered;
    }

    uint ChooseFormat(List<uint> offered)
    {
        if (_request.Format is { } wanted)
        {
            uint code = V4l2CaptureRequest.FourCc(wanted);
            return offered.Contains(code) ? code
                : throw new IOException($"{_path} does not offer {wanted.ToString().ToUpperInvariant()} (it offers {Describe(offered)})");
        }
        foreach (uint code in (ReadOnlySpan<uint>)[V4l2Abi.PixFmtNv12, V4l2Abi.PixFmtYuyv, V4l2Abi.PixFmtMjpeg])
            if (offered.Contains(code))
                return code;
        throw new IOException($"{_path} offers none of YUYV, NV12, MJPG (it offers {Describe(offered)})");
    }

    static string Describe(List<uint> formats) =>
        formats.Count == 0 ? "nothing" : string.Join(", ", formats.Select(V4l2Abi.FourCcText));

    void StartStreaming()
    {
        var req = new V4l2RequestBuffers { Count = BufferCount, Type = V4l2Abi.BufTypeVideoCapture, Memory = V4l2Abi.MemoryMmap };
        Check("VIDIOC_REQBUFS", _device.Ioctl(V4l2Abi.VIDIOC_REQBUFS, ref req));
        if (req.Count < 2)
            throw new IOException($"{_path}: the driver gave {req.Count} buffer(s); streaming needs at least 2");
        int count = (int)Math.Min(req.Count, BufferCount);
        for (uint i = 0; i < count; i++)
        {
            var buf = new V4l2Buffer { Index = i, Type = V4l2Abi.BufTypeVideoCapture, Memory = V4l2Abi.MemoryMmap };
            Check("VIDIOC_QUERYBUF", _device.Ioctl(V4l2Abi.VIDIOC_QUERYBUF, ref buf));
            Check("mmap", _device.Map(buf.Offset, (int)buf.Length, out _maps[i]));
            _mapLengths[i] = (int)buf.Length;
            _mapped = (int)i + 1;
        }
        for (uint i = 0; i < _mapped; i++)
        {
            var buf = new V4l2Buffer { Index = i, Type = V4l2Abi.BufTypeVideoCapture, Memory = V4l2Abi.MemoryMmap };
            Check("VIDIOC_QBUF", _device.Ioctl(V4l2Abi.VIDIOC_QBUF, ref buf));
        }
        int type = (int)V4l2Abi.BufTypeVideoCapture;
        Check("VIDIOC_STREAMON", _device.Ioctl(V4l2Abi.VIDIOC_STREAMON, ref type));
        _streaming = true;
    }

    public bool Read(YuvFrame destination, out long capturedTicks, CancellationToken cancel)
    {
        capturedTicks = 0;
        if (!_streaming)
            throw new InvalidOperationException("source is not open");
        if (destination.Width != Width || destination.Height != Height)
            throw new ArgumentException($"frame is {destination.Width}x{destination.Height}, the source is {Width}x{Height}");
        long deadline = Stopwatch.GetTimestamp() + (long)(FrameTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (cancel.IsCancellationRequested)
                return false;
            long left = (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (left <= 0)
                throw new IOException($"{_path}: no frame for {FrameTimeout.TotalSeconds:0} s");
            int err = _device.Poll(Errno.PollIn, (int)Math.Min(left, PollSliceMs), out short revents);
            if (err == Errno.EINTR)
                continue;
            Check("poll", err);
            if ((revents & (Errno.PollErr | Errno.PollHup | Errno.PollNval)) != 0)
                throw new IOException($"{_path}: the device stopped streaming (gone?)");
            if ((revents & Errno.PollIn) == 0)
                continue;

            var buf = new V4l2Buffer { Type = V4l2Abi.BufTypeVideoCapture, Memory = V4l2Abi.MemoryMmap };
            err = _device.Ioctl(V4l2Abi.VIDIOC_DQBUF, ref buf);
            if (err == Errno.EAGAIN)
                continue;
            Check("VIDIOC_DQBUF", err);
            if (buf.Index >= _mapped)
                throw new IOException($"{_path}: the driver returned buffer {buf.Index} of {_mapped}");
            bool good = (buf.Flags & V4l2Abi.BufFlagError) == 0
                && Convert(new ReadOnlySpan<byte>((void*)_maps[buf.Index], (int)Math.Min(buf.BytesUsed, (uint)_mapLengths[buf.Index])), destination);
            Check("VIDIOC_QBUF", _device.Ioctl(V4l2Abi.VIDIOC_QBUF, ref buf));
            if (good)
            {
                capturedTicks = Stopwatch.GetTimestamp();
                return true;
            }
            Interlocked.Increment(ref _corrupt);
        }
    }

    /// <summary>False when the buffer does not hold a whole frame of the negotiated format.</summary>
    bool Convert(ReadOnlySpan<byte> data, YuvFrame destination)
    {
        int w = Width, h = Height, cw = (w + 1) / 2, ch = (h + 1) / 2;
        switch (_format)
        {
            case V4l2PixelFormat.Yuyv:
                if (data.Length < (long)_bytesPerLine * (h - 1) + 4L * cw)
                    return false;
                YuvFrame.FromYuyv(data, destination, _bytesPerLine);
                break;
            case V4l2PixelFormat.Nv12:
                if (data.Length < (long)_bytesPerLine * h + (long)_bytesPerLine * (ch - 1) + 2L * cw)
                    return false;
                YuvFrame.FromNv12(data, destination, _bytesPerLine, _bytesPerLine);
                break;
            default:
                // Decoding at the JPEG's own range skips a remap; the frame says which range it holds.
                destination.Range = ColorRange.Full;
                try
                {
                    _jpeg!.DecodeI420(data, destination);
                }
                catch (Exception e) when (e is ImageFormatException or ArgumentException)
                {
                    return false;
                }
                return true;
        }
        destination.Range = _range;
        return true;
    }

    public void Close()
    {
        if (_streaming)
        {
            int type = (int)V4l2Abi.BufTypeVideoCapture;
            // Errors are moot here: a vanished device has stopped streaming already.
            _device.Ioctl(V4l2Abi.VIDIOC_STREAMOFF, ref type);
            _streaming = false;
        }
        for (int i = 0; i < _mapped; i++)
        {
            _device.Unmap(_maps[i], _mapLengths[i]);
            _maps[i] = 0;
        }
        _mapped = 0;
        if (_open)
            _device.Close();
        _open = false;
    }

    public void Dispose()
    {
        Close();
        _jpeg?.Dispose();
        _device.Dispose();
    }

    void Check(string call, int errno) => V4l2Node.Check(_path, call, errno);
}
