using ClassSR.Edge.IO.V4l2;
using System.Diagnostics;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// Upscaled frames to a v4l2loopback node (<c>--output v4l2:/dev/videoN</c>), so any V4L2 reader (a browser, OBS,
/// ffmpeg) sees a camera. The format is set with VIDIOC_S_FMT on the output queue (planar YU12 at the frame's
/// size) and each frame goes out with one write(), which v4l2loopback takes as one whole frame. A node that is
/// missing or goes away is logged and reopened with backoff; the daemon never stops for it.
/// </summary>
public sealed class V4l2LoopbackSink : FrameSink
{
    static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(0.25), MaxBackoff = TimeSpan.FromSeconds(2);

    readonly string _path;
    readonly IV4l2Device _device;
    readonly Log _log;
    readonly Func<double> _fps;
    byte[] _packed = [];
    int _width, _height;
    bool _open, _failing;
    long _retryAt;
    TimeSpan _backoff = MinBackoff;
    string? _lastError;
    long _written;

    /// <param name="fps">The source's rate, advertised to readers; asked at each open.</param>
    public V4l2LoopbackSink(string path, IV4l2Device device, Log log, Func<double> fps) : base("v4l2:" + path)
    {
        _path = path;
        _device = device;
        _log = log;
        _fps = fps;
    }

    /// <summary>Frames written whole so far.</summary>
    public long FramesWritten => Interlocked.Read(ref _written);

    protected override void Consume(PipelineFrame frame)
    {
        var image = frame.Image;
        if (_open && (image.Width != _width || image.Height != _height))
            Disconnect();
        if (!_open)
        {
            if (Stopwatch.GetTimestamp() < _retryAt)
                return;
            try
            {
                Connect(image.Width, image.Height);
            }
            catch (IOException e)
            {
                Fail(e.Message);
                return;
            }
        }
        Pack(image);
        int err = _device.Write(_packed, out int written);
        if (err == Errno.EAGAIN)
            return;
        if (err != 0)
        {
            Fail(new V4l2Exception(_path, "write", err).Message);
            return;
        }
        if (written != _packed.Length)
            _log.Warn($"{_path}: wrote {written} of {_packed.Length} bytes of a frame");
        Interlocked.Increment(ref _written);
        _failing = false;
        _lastError = null;
        _backoff = MinBackoff;
    }

    void Connect(int width, int height)
    {
        // Before the open: a failure part-way must still reach Close.
        _open = true;
        var cap = V4l2Node.Open(_device, _path);
        uint caps = cap.NodeCaps;
        if ((caps & V4l2Abi.CapVideoOutput) == 0 || (caps & V4l2Abi.CapReadWrite) == 0)
            throw new IOException($"{_path} ({cap.CardName()}) is not a video output that takes write() (load v4l2loopback; capabilities 0x{caps:X8})");

        var fmt = new V4l2Format { Type = V4l2Abi.BufTypeVideoOutput };
        fmt.Pix.Width = (uint)width;
        fmt.Pix.Height = (uint)height;
        fmt.Pix.PixelFormat = V4l2Abi.PixFmtYuv420;
        fmt.Pix.Field = V4l2Abi.FieldNone;
        fmt.Pix.BytesPerLine = (uint)width;
        int length = FrameLength(width, height);
        fmt.Pix.SizeImage = (uint)length;
        fmt.Pix.Colorspace = V4l2Abi.ColorspaceSmpte170M;
        Check("VIDIOC_S_FMT", _device.Ioctl(V4l2Abi.VIDIOC_S_FMT, ref fmt));
        if (fmt.Pix.Width != width || fmt.Pix.Height != height || fmt.Pix.PixelFormat != V4l2Abi.PixFmtYuv420)
            throw new IOException($"{_path} would not take {width}x{height} YU12 (it set {fmt.Pix.Width}x{fmt.Pix.Height} {V4l2Abi.FourCcText(fmt.Pix.PixelFormat)})");

        // The rate is advice to readers only; a node that refuses it still works.
        var parm = new V4l2StreamParm { Type = V4l2Abi.BufTypeVideoOutput };
        double fps = _fps() is > 0 and var f ? f : Sources.SourceSpec.DefaultFps;
        parm.TimePerFrame = new V4l2Fract { Numerator = 1000, Denominator = (uint)Math.Round(fps * 1000) };
        _device.Ioctl(V4l2Abi.VIDIOC_S_PARM, ref parm);

        (_width, _height) = (width, height);
        if (_packed.Length != length)
            _packed = GC.AllocateUninitializedArray<byte>(length);
        if (_failing)
            _log.Info($"{_path}: open again, {width}x{height} YU12");
        else
            _log.Info($"{_path}: writing {width}x{height} YU12");
    }

    static int FrameLength(int width, int height) => width * height + 2 * ((width + 1) / 2) * ((height + 1) / 2);

    // One write per frame, so the planes go into one buffer first.
    void Pack(YuvFrame image)
    {
        image.Y.CopyTo(_packed, 0);
        image.U.CopyTo(_packed, image.Y.Length);
        image.V.CopyTo(_packed, image.Y.Length + image.U.Length);
    }

    void Fail(string reason)
    {
        Disconnect();
        // A node that stays away would log a line per retry; log when the reason changes.
        if (!_failing || reason != _lastError)
            _log.Warn($"{reason}; retrying in {_backoff.TotalSeconds:0.##} s (up to {MaxBackoff.TotalSeconds:0} s), frames for it are dropped meanwhile");
        _failing = true;
        _lastError = reason;
        _retryAt = Stopwatch.GetTimestamp() + (long)(_backoff.TotalSeconds * Stopwatch.Frequency);
        _backoff = _backoff * 2 > MaxBackoff ? MaxBackoff : _backoff * 2;
    }

    void Disconnect()
    {
        if (_open)
            _device.Close();
        _open = false;
    }

    void Check(string call, int errno) => V4l2Node.Check(_path, call, errno);

    public override void Dispose()
    {
        // The sink's thread may still be inside a write; closing under it would hand its fd to someone else.
        if (ThreadEnded)
        {
            Disconnect();
            _device.Dispose();
        }
        base.Dispose();
    }
}
