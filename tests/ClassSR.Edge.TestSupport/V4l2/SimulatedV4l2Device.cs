using ClassSR.Edge.Daemon.Sources;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.IO.V4l2;

/// <summary>
/// A camera (or a v4l2loopback output) in memory that answers the ioctls the way the kernel's V4L2 core does:
/// it negotiates formats and sizes (adjusting what it cannot do), hands out buffers by mmap cookie, fills them at
/// its frame rate with <see cref="SyntheticSource"/>'s scene packed as YUYV, NV12 or MJPEG, and records what is
/// written to an output node. It can be unplugged (open fds then fail with ENODEV and poll reports POLLERR, a
/// new open fails with ENOENT) and plugged back, stalled, or told to deliver damaged frames. Thread-safe: a test
/// pulls the plug while the capture thread is blocked in Poll.
/// </summary>
public sealed unsafe class SimulatedV4l2Device : IV4l2Device
{
    // A monitor rather than a Lock: Poll waits on it and Unplug wakes the waiter.
    readonly object _gate = new();
    readonly List<byte[]> _written = [];
    byte[][] _buffers = [];
    bool[] _queued = [];
    int _generation, _openGeneration = -1;
    bool _present = true, _streaming, _stalled;
    int _corruptNext;
    long _nextFrameTicks, _frameIndex;
    V4l2PixFormat _capture, _output;
    YuvFrame? _scene;
    JpegEncoder? _jpeg;
    byte[] _rgb = [];

    /// <param name="capabilities">V4L2_CAP_* of the node.</param>
    /// <param name="formats">The capture formats it offers, in ENUM_FMT order.</param>
    /// <param name="sizes">The frame sizes it can deliver; S_FMT picks the nearest.</param>
    public SimulatedV4l2Device(uint capabilities, uint[] formats, (int Width, int Height)[] sizes, double fps = 30)
    {
        Capabilities = capabilities;
        Formats = formats;
        Sizes = sizes;
        Fps = fps;
    }

    public static SimulatedV4l2Device Camera(params V4l2PixelFormat[] formats) => new(
        V4l2Abi.CapVideoCapture | V4l2Abi.CapStreaming,
        formats.Length == 0 ? [V4l2Abi.PixFmtYuyv, V4l2Abi.PixFmtMjpeg] : [.. formats.Select(V4l2CaptureRequest.FourCc)],
        [(320, 240), (640, 480), (1280, 720)]);

    /// <summary>A v4l2loopback node as a writer sees it (exclusive_caps=1).</summary>
    public static SimulatedV4l2Device Loopback() => new(
        V4l2Abi.CapVideoOutput | V4l2Abi.CapReadWrite | V4l2Abi.CapStreaming, [], []);

    public uint Capabilities { get; }
    public uint[] Formats { get; }
    public (int Width, int Height)[] Sizes { get; }
    public double Fps { get; private set; }

    /// <summary>Bytes of padding the driver adds to every row of YUYV and NV12, as many do for alignment.</summary>
    public int RowPadding { get; init; }

    /// <summary>
    /// The chroma subsampling of its MJPEG: 4:2:0 by default; many UVC webcams send 4:2:2, which takes the
    /// decoder's other path.
    /// </summary>
    public JpegSubsampling MjpegSubsampling { get; init; } = JpegSubsampling.S420;

    /// <summary>Successful opens so far.</summary>
    public int Opens { get; private set; }

    /// <summary>Buffers mapped and not yet unmapped.</summary>
    public int LiveMappings { get; private set; }

    public bool IsOpen { get { lock (_gate) return _openGeneration >= 0; } }

    /// <summary>The format a writer set on the output side.</summary>
    public V4l2PixFormat OutputFormat { get { lock (_gate) return _output; } }

    /// <summary>Copies of every write() to the output side, one per call.</summary>
    public IReadOnlyList<byte[]> Written { get { lock (_gate) return [.. _written]; } }

    /// <summary>The device goes away: what is open fails from now on, and the node is gone until <see cref="Plug"/>.</summary>
    public void Unplug()
    {
        lock (_gate)
        {
            _present = false;
            _streaming = false;
            _generation++;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The node is back (a new node: fds from before stay dead, as after a USB reconnect).</summary>
    public void Plug()
    {
        lock (_gate)
            _present = true;
    }

    /// <summary>Stops delivering frames while staying present, as a wedged camera does.</summary>
    public bool Stalled
    {
        get { lock (_gate) return _stalled; }
        set { lock (_gate) { _stalled = value; Monitor.PulseAll(_gate); } }
    }

    /// <summary>The next <paramref name="frames"/> frames arrive damaged: MJPEG as garbage, raw formats flagged V4L2_BUF_FLAG_ERROR.</summary>
    public void CorruptNext(int frames)
    {
        lock (_gate)
            _corruptNext += frames;
    }

    public int Open(string path, int flags)
    {
        lock (_gate)
        {
            if (!_present)
                return Errno.ENOENT;
            _openGeneration = _generation;
            _streaming = false;
            Opens++;
            return 0;
        }
    }

    public void Close()
    {
        lock (_gate)
        {
            _openGeneration = -1;
            _streaming = false;
        }
    }

    public void Dispose()
    {
        Close();
        _jpeg?.Dispose();
    }

    int Alive() => _openGeneration < 0 ? Errno.EBADF : _openGeneration != _generation || !_present ? Errno.ENODEV : 0;

    public int Ioctl<T>(uint request, ref T argument) where T : unmanaged
    {
        if (sizeof(T) != V4l2Abi.IocSize(request))
            return Errno.EFAULT;
        lock (_gate)
        {
            if (Alive() is var dead and not 0)
                return dead;
            return request switch
            {
                V4l2Abi.VIDIOC_QUERYCAP => QueryCap(ref Unsafe.As<T, V4l2Capability>(ref argument)),
                V4l2Abi.VIDIOC_ENUM_FMT => EnumFormat(ref Unsafe.As<T, V4l2FmtDesc>(ref argument)),
                V4l2Abi.VIDIOC_G_FMT => GetFormat(ref Unsafe.As<T, V4l2Format>(ref argument)),
                V4l2Abi.VIDIOC_S_FMT => SetFormat(ref Unsafe.As<T, V4l2Format>(ref argument)),
                V4l2Abi.VIDIOC_G_PARM => GetParm(ref Unsafe.As<T, V4l2StreamParm>(ref argument)),
                V4l2Abi.VIDIOC_S_PARM => SetParm(ref Unsafe.As<T, V4l2StreamParm>(ref argument)),
                V4l2Abi.VIDIOC_REQBUFS => RequestBuffers(ref Unsafe.As<T, V4l2RequestBuffers>(ref argument)),
                V4l2Abi.VIDIOC_QUERYBUF => QueryBuffer(ref Unsafe.As<T, V4l2Buffer>(ref argument)),
                V4l2Abi.VIDIOC_QBUF => Queue(ref Unsafe.As<T, V4l2Buffer>(ref argument)),
                V4l2Abi.VIDIOC_DQBUF => Dequeue(ref Unsafe.As<T, V4l2Buffer>(ref argument)),
                V4l2Abi.VIDIOC_STREAMON => StreamOn(Unsafe.As<T, int>(ref argument)),
                V4l2Abi.VIDIOC_STREAMOFF => StreamOff(Unsafe.As<T, int>(ref argument)),
                _ => Errno.ENOTTY,
            };
        }
    }

    bool CanCapture => (Capabilities & V4l2Abi.CapVideoCapture) != 0;
    bool CanOutput => (Capabilities & V4l2Abi.CapVideoOutput) != 0;

    int QueryCap(ref V4l2Capability cap)
    {
        cap = default;
        fixed (byte* driver = cap.Driver) V4l2Abi.SetText(driver, 16, "simulated");
        fixed (byte* card = cap.Card) V4l2Abi.SetText(card, 32, CanCapture ? "Simulated camera" : "Simulated loopback");
        fixed (byte* bus = cap.BusInfo) V4l2Abi.SetText(bus, 32, "platform:simulated");
        cap.Version = 6 << 16;
        cap.DeviceCaps = Capabilities;
        cap.Capabilities = Capabilities | V4l2Abi.CapDeviceCaps;
        return 0;
    }

    int EnumFormat(ref V4l2FmtDesc desc)
    {
        if (desc.Type != V4l2Abi.BufTypeVideoCapture || !CanCapture || desc.Index >= Formats.Length)
            return Errno.EINVAL;
        uint code = Formats[desc.Index];
        desc.PixelFormat = code;
        desc.Flags = code == V4l2Abi.PixFmtMjpeg ? V4l2Abi.FmtFlagCompressed : 0;
        fixed (byte* text = desc.Description) V4l2Abi.SetText(text, 32, V4l2Abi.FourCcText(code));
        return 0;
    }

    int GetFormat(ref V4l2Format fmt)
    {
        if (fmt.Type == V4l2Abi.BufTypeVideoCapture && CanCapture)
            fmt.Pix = _capture;
        else if (fmt.Type == V4l2Abi.BufTypeVideoOutput && CanOutput)
            fmt.Pix = _output;
        else
            return Errno.EINVAL;
        return 0;
    }

    int SetFormat(ref V4l2Format fmt)
    {
        if (_streaming)
            return Errno.EBUSY;
        if (fmt.Type == V4l2Abi.BufTypeVideoOutput && CanOutput)
        {
            // v4l2loopback takes the size a writer asks for; this twin only takes planar I420.
            ref var p = ref fmt.Pix;
            p.PixelFormat = V4l2Abi.PixFmtYuv420;
            p.Width = Math.Clamp(p.Width, 2, 8192) & ~1u;
            p.Height = Math.Clamp(p.Height, 2, 8192) & ~1u;
            p.Field = V4l2Abi.FieldNone;
            p.BytesPerLine = p.Width;
            p.SizeImage = p.Width * p.Height * 3 / 2;
            _output = p;
            return 0;
        }
        if (fmt.Type != V4l2Abi.BufTypeVideoCapture || !CanCapture || Formats.Length == 0)
            return Errno.EINVAL;
        // Like real drivers: an unsupported format or size is replaced by a supported one, not refused.
        uint code = Array.IndexOf(Formats, fmt.Pix.PixelFormat) >= 0 ? fmt.Pix.PixelFormat : Formats[0];
        long wantedWidth = fmt.Pix.Width, wantedArea = wantedWidth * fmt.Pix.Height;
        var (w, h) = Sizes.MinBy(s => Math.Abs((long)s.Width * s.Height - wantedArea) + Math.Abs(s.Width - wantedWidth));
        var pix = new V4l2PixFormat
        {
            Width = (uint)w,
            Height = (uint)h,
            PixelFormat = code,
            Field = V4l2Abi.FieldNone,
            Colorspace = V4l2Abi.ColorspaceSmpte170M,
        };
        int cw = (w + 1) / 2, ch = (h + 1) / 2;
        switch (code)
        {
            case V4l2Abi.PixFmtYuyv:
                pix.BytesPerLine = (uint)(4 * cw + RowPadding);
                pix.SizeImage = pix.BytesPerLine * (uint)h;
                break;
            case V4l2Abi.PixFmtNv12:
                pix.BytesPerLine = (uint)(2 * cw + RowPadding);
                pix.SizeImage = pix.BytesPerLine * (uint)(h + ch);
                break;
            default:
                pix.SizeImage = (uint)Math.Max(3 * w * h, 65536);
                break;
        }
        _capture = pix;
        fmt.Pix = pix;
        _scene = new YuvFrame(w, h);
        return 0;
    }

    int GetParm(ref V4l2StreamParm parm)
    {
        if (parm.Type != V4l2Abi.BufTypeVideoCapture || !CanCapture)
            return Errno.EINVAL;
        uint type = parm.Type;
        parm = default;
        parm.Type = type;
        parm.Capability = V4l2Abi.CapTimePerFrame;
        parm.TimePerFrame = new V4l2Fract { Numerator = 1000, Denominator = (uint)Math.Round(Fps * 1000) };
        return 0;
    }

    int SetParm(ref V4l2StreamParm parm)
    {
        if (parm.Type != V4l2Abi.BufTypeVideoCapture || !CanCapture)
            return Errno.EINVAL;
        if (parm.TimePerFrame is { Numerator: > 0, Denominator: > 0 } t)
            Fps = Math.Clamp(t.Denominator / (double)t.Numerator, 1, 240);
        return GetParm(ref parm);
    }

    int RequestBuffers(ref V4l2RequestBuffers req)
    {
        if (req.Type != V4l2Abi.BufTypeVideoCapture || !CanCapture || req.Memory != V4l2Abi.MemoryMmap)
            return Errno.EINVAL;
        if (_streaming)
            return Errno.EBUSY;
        if (_capture.SizeImage == 0)
            return Errno.EINVAL;
        int count = req.Count == 0 ? 0 : (int)Math.Clamp(req.Count, 2, 8);
        // Pinned so the address mmap hands out stays valid: the source reads through it like a real mapping.
        _buffers = [.. Enumerable.Range(0, count).Select(_ => GC.AllocateArray<byte>((int)_capture.SizeImage, pinned: true))];
        _queued = new bool[count];
        req.Count = (uint)count;
        return 0;
    }

    uint Cookie(int index) => (uint)index * (uint)((_capture.SizeImage + 4095) & ~4095u);

    int QueryBuffer(ref V4l2Buffer buf)
    {
        if (buf.Type != V4l2Abi.BufTypeVideoCapture || buf.Index >= _buffers.Length)
            return Errno.EINVAL;
        buf.Memory = V4l2Abi.MemoryMmap;
        buf.Length = (uint)_buffers[buf.Index].Length;
        buf.Offset = Cookie((int)buf.Index);
        buf.Flags = V4l2Abi.BufFlagMapped | (_queued[buf.Index] ? V4l2Abi.BufFlagQueued : 0);
        return 0;
    }

    public int Map(uint offset, int length, out nint address)
    {
        address = 0;
        lock (_gate)
        {
            if (Alive() is var dead and not 0)
                return dead;
            for (int i = 0; i < _buffers.Length; i++)
            {
                if (Cookie(i) == offset)
                {
                    if (length > _buffers[i].Length)
                        return Errno.EINVAL;
                    address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffers[i]));
                    LiveMappings++;
                    return 0;
                }
            }
            return Errno.EINVAL;
        }
    }

    public void Unmap(nint address, int length)
    {
        lock (_gate)
            LiveMappings--;
    }

    int Queue(ref V4l2Buffer buf)
    {
        if (buf.Type != V4l2Abi.BufTypeVideoCapture || buf.Memory != V4l2Abi.MemoryMmap || buf.Index >= _buffers.Length || _queued[buf.Index])
            return Errno.EINVAL;
        _queued[buf.Index] = true;
        buf.Flags = V4l2Abi.BufFlagMapped | V4l2Abi.BufFlagQueued;
        return 0;
    }

    int StreamOn(int type)
    {
        if (type != V4l2Abi.BufTypeVideoCapture || _buffers.Length == 0)
            return Errno.EINVAL;
        _streaming = true;
        _nextFrameTicks = Stopwatch.GetTimestamp() + FramePeriod;
        return 0;
    }

    int StreamOff(int type)
    {
        if (type != V4l2Abi.BufTypeVideoCapture)
            return Errno.EINVAL;
        _streaming = false;
        Array.Clear(_queued);
        return 0;
    }

    long FramePeriod => (long)(Stopwatch.Frequency / Fps);

    bool FrameDue => _streaming && !_stalled && Array.IndexOf(_queued, true) >= 0 && Stopwatch.GetTimestamp() >= _nextFrameTicks;

    int Dequeue(ref V4l2Buffer buf)
    {
        if (buf.Type != V4l2Abi.BufTypeVideoCapture || buf.Memory != V4l2Abi.MemoryMmap || !_streaming)
            return Errno.EINVAL;
        if (!FrameDue)
            return Errno.EAGAIN;
        int index = Array.IndexOf(_queued, true);
        _queued[index] = false;
        // A reader that fell behind gets the next frame now, not a burst of the ones it missed.
        _nextFrameTicks = Math.Max(_nextFrameTicks + FramePeriod, Stopwatch.GetTimestamp());
        byte[] data = _buffers[index];
        bool corrupt = _corruptNext > 0;
        if (corrupt)
            _corruptNext--;
        uint used = Fill(data, _frameIndex, corrupt);
        buf.Index = (uint)index;
        buf.BytesUsed = used;
        buf.Flags = V4l2Abi.BufFlagMapped | V4l2Abi.BufFlagDone | (corrupt && _capture.PixelFormat != V4l2Abi.PixFmtMjpeg ? V4l2Abi.BufFlagError : 0);
        buf.Field = V4l2Abi.FieldNone;
        buf.Sequence = (uint)_frameIndex++;
        buf.Length = (uint)data.Length;
        buf.Offset = Cookie(index);
        long us = Stopwatch.GetTimestamp() * 1_000_000 / Stopwatch.Frequency;
        buf.TimestampSeconds = us / 1_000_000;
        buf.TimestampMicroseconds = us % 1_000_000;
        if (Dequeued is { } rewrite)
            buf = rewrite(buf);
        return 0;
    }

    /// <summary>Rewrites what DQBUF reports (index, bytesused, flags...), as a faulty driver might: for fuzzing the capture path.</summary>
    public Func<V4l2Buffer, V4l2Buffer>? Dequeued { get; set; }

    /// <summary>Frame <paramref name="index"/> of the synthetic scene packed in the capture format; returns bytesused.</summary>
    uint Fill(byte[] data, long index, bool corrupt)
    {
        var scene = _scene!;
        SyntheticSource.Render(index, scene);
        int stride = (int)_capture.BytesPerLine;
        switch (_capture.PixelFormat)
        {
            case V4l2Abi.PixFmtYuyv:
                PackYuyv(scene, data, stride);
                return _capture.SizeImage;
            case V4l2Abi.PixFmtNv12:
                PackNv12(scene, data, stride);
                return _capture.SizeImage;
            default:
                if (corrupt)
                {
                    // A start-of-image marker and then noise, as a USB transfer that lost packets delivers.
                    data[0] = 0xFF;
                    data[1] = 0xD8;
                    for (int i = 2; i < 1000; i++)
                        data[i] = (byte)(i * 131 >> 3);
                    return 1000;
                }
                _jpeg ??= new JpegEncoder();
                int length;
                if (MjpegSubsampling == JpegSubsampling.S420)
                    length = _jpeg.EncodeI420(scene, 95);
                else
                {
                    if (_rgb.Length != 3 * scene.Width * scene.Height)
                        _rgb = new byte[3 * scene.Width * scene.Height];
                    ColorConvert.YuvToRgb(scene, _rgb);
                    length = _jpeg.EncodeRgb(_rgb, scene.Width, scene.Height, 95, MjpegSubsampling);
                }
                _jpeg.Encoded.CopyTo(data);
                return (uint)length;
        }
    }

    /// <summary>I420 to YUYV with each chroma row used for both of its luma rows, so YUYV to I420 gets it back exactly.</summary>
    public static void PackYuyv(YuvFrame frame, Span<byte> yuyv, int stride)
    {
        int w = frame.Width, cw = frame.ChromaWidth;
        for (int y = 0; y < frame.Height; y++)
        {
            Span<byte> row = yuyv.Slice(y * stride, 4 * cw);
            int c = (y >> 1) * cw;
            for (int i = 0; i < cw; i++)
            {
                row[4 * i] = frame.Y[y * w + 2 * i];
                row[4 * i + 1] = frame.U[c + i];
                row[4 * i + 2] = 2 * i + 1 < w ? frame.Y[y * w + 2 * i + 1] : frame.Y[y * w + 2 * i];
                row[4 * i + 3] = frame.V[c + i];
            }
        }
    }

    public static void PackNv12(YuvFrame frame, Span<byte> nv12, int stride)
    {
        int w = frame.Width, h = frame.Height, cw = frame.ChromaWidth;
        for (int y = 0; y < h; y++)
            frame.Y.AsSpan(y * w, w).CopyTo(nv12.Slice(y * stride));
        for (int y = 0; y < frame.ChromaHeight; y++)
        {
            Span<byte> row = nv12.Slice((h + y) * stride, 2 * cw);
            for (int i = 0; i < cw; i++)
            {
                row[2 * i] = frame.U[y * cw + i];
                row[2 * i + 1] = frame.V[y * cw + i];
            }
        }
    }

    public int Poll(short events, int timeoutMs, out short revents)
    {
        revents = 0;
        long deadline = Stopwatch.GetTimestamp() + timeoutMs * Stopwatch.Frequency / 1000;
        lock (_gate)
        {
            while (true)
            {
                int alive = Alive();
                if (alive == Errno.EBADF)
                {
                    revents = Errno.PollNval;
                    return 0;
                }
                if (alive != 0 || (CanCapture && (events & Errno.PollIn) != 0 && !_streaming))
                {
                    // What vb2 answers for a queue that is not streaming, and what a vanished device answers.
                    revents = (short)(Errno.PollErr | (alive != 0 ? Errno.PollHup : 0));
                    return 0;
                }
                if ((events & Errno.PollOut) != 0 && CanOutput)
                {
                    revents = Errno.PollOut;
                    return 0;
                }
                if ((events & Errno.PollIn) != 0 && FrameDue)
                {
                    revents = Errno.PollIn;
                    return 0;
                }
                long now = Stopwatch.GetTimestamp();
                if (now >= deadline)
                    return 0;
                long until = _streaming && !_stalled ? Math.Min(deadline, _nextFrameTicks) : deadline;
                int waitMs = (int)Math.Max(1, (until - now) * 1000 / Stopwatch.Frequency);
                Monitor.Wait(_gate, waitMs);
            }
        }
    }

    public int Write(ReadOnlySpan<byte> data, out int written)
    {
        written = 0;
        lock (_gate)
        {
            if (Alive() is var dead and not 0)
                return dead;
            if (!CanOutput || _output.SizeImage == 0)
                return Errno.EINVAL;
            // v4l2loopback copies at most one frame per write and counts the call as that frame.
            written = Math.Min(data.Length, (int)_output.SizeImage);
            _written.Add(data[..written].ToArray());
            return 0;
        }
    }
}
