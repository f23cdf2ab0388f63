using System.Runtime.InteropServices;

namespace ClassSR.Edge.Imaging;

/// <summary>
/// One TurboJPEG compressor and one output buffer, reused across frames: after the first frame of a given
/// size, encoding allocates nothing (the daemon's per-frame MJPEG path). The result stays valid in
/// <see cref="Encoded"/> until the next encode. Not thread-safe.
/// </summary>
public sealed unsafe class JpegEncoder : IDisposable
{
    private nint _handle;
    private byte[] _buffer = [];
    private int _length;
    private YuvFrame? _fullRange;
    private byte[] _evenLuma = [];

    public JpegEncoder()
    {
        _handle = TurboJpeg.tjInitCompress();
        if (_handle == 0)
            throw new InvalidOperationException($"TurboJPEG: cannot create a compressor: {TurboJpeg.ErrorText(0)}");
    }

    /// <summary>The last encoded image.</summary>
    public ReadOnlySpan<byte> Encoded => _buffer.AsSpan(0, _length);

    /// <summary>
    /// Encodes an I420 frame as a 4:2:0 JPEG without a colour conversion. JPEG is full range, so a limited-range
    /// frame is remapped into a scratch frame first (kept for the next call); otherwise decoders would show it washed out.
    /// </summary>
    /// <returns>The encoded length; the bytes are in <see cref="Encoded"/>.</returns>
    public int EncodeI420(YuvFrame frame, int quality)
    {
        ArgumentNullException.ThrowIfNull(frame);
        CheckQuality(quality);
        nint handle = Handle();

        if (frame.Range != ColorRange.Full)
        {
            if (_fullRange is null || _fullRange.Width != frame.Width || _fullRange.Height != frame.Height)
                _fullRange = new YuvFrame(frame.Width, frame.Height, ColorRange.Full);
            ColorConvert.ConvertRange(frame, _fullRange, ColorRange.Full);
            frame = _fullRange;
        }

        EnsureBuffer(frame.Width, frame.Height, JpegSubsampling.S420);
        // TurboJPEG reads a 4:2:0 luma plane of even width and height (tjPlaneWidth/Height), one column and
        // row beyond an odd-sized frame's Y; odd frames go through a padded copy instead of over the edge.
        byte[] luma = frame.Y;
        int lumaStride = frame.YStride;
        if (((frame.Width | frame.Height) & 1) != 0)
        {
            lumaStride = TurboJpeg.EvenLumaPlane(frame, ref _evenLuma);
            luma = _evenLuma;
        }

        fixed (byte* y = luma)
        fixed (byte* u = frame.U)
        fixed (byte* v = frame.V)
        fixed (byte* output = _buffer)
        {
            byte** planes = stackalloc byte*[3] { y, u, v };
            int* strides = stackalloc int[3] { lumaStride, frame.ChromaStride, frame.ChromaStride };
            byte* jpeg = output;
            var size = new CULong((nuint)_buffer.Length);
            int rc = TurboJpeg.tjCompressFromYUVPlanes(
                handle, planes, frame.Width, strides, frame.Height, (int)JpegSubsampling.S420,
                &jpeg, &size, quality, TurboJpeg.FlagNoRealloc);
            return Finish(rc, jpeg, output, size);
        }
    }

    /// <summary>Encodes interleaved RGB24 (file output); the encoder does the colour conversion and subsampling.</summary>
    /// <returns>The encoded length; the bytes are in <see cref="Encoded"/>.</returns>
    public int EncodeRgb(ReadOnlySpan<byte> rgb, int width, int height, int quality, JpegSubsampling subsampling = JpegSubsampling.S420)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        CheckQuality(quality);
        if (subsampling is JpegSubsampling.Gray or < JpegSubsampling.S444 or > JpegSubsampling.S411)
            throw new ArgumentOutOfRangeException(nameof(subsampling), subsampling, "RGB input needs a colour subsampling");
        if ((long)width * height * 3 > rgb.Length)
            throw new ArgumentException($"RGB buffer holds {rgb.Length} bytes, {width}x{height} needs {(long)width * height * 3}", nameof(rgb));
        nint handle = Handle();

        EnsureBuffer(width, height, subsampling);
        fixed (byte* src = rgb)
        fixed (byte* output = _buffer)
        {
            byte* jpeg = output;
            var size = new CULong((nuint)_buffer.Length);
            int rc = TurboJpeg.tjCompress2(
                handle, src, width, width * 3, height, TurboJpeg.PixelFormatRgb,
                &jpeg, &size, (int)subsampling, quality, TurboJpeg.FlagNoRealloc);
            return Finish(rc, jpeg, output, size);
        }
    }

    ~JpegEncoder() => Release();

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    // The handle is native memory (the compressor and its tables); an undisposed codec must not leak it.
    private void Release()
    {
        if (_handle != 0)
        {
            TurboJpeg.tjDestroy(_handle);
            _handle = 0;
        }
    }

    private nint Handle()
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        return _handle;
    }

    private int Finish(int rc, byte* jpeg, byte* output, CULong size)
    {
        if (rc != 0)
        {
            _length = 0;
            throw new InvalidOperationException($"TurboJPEG: cannot encode: {TurboJpeg.ErrorText(_handle)}");
        }
        // NOREALLOC promises the library kept our buffer; a different pointer would mean it leaked its own.
        if (jpeg != output)
            throw new InvalidOperationException("TurboJPEG replaced the output buffer despite TJFLAG_NOREALLOC");
        _length = checked((int)size.Value);
        return _length;
    }

    private void EnsureBuffer(int width, int height, JpegSubsampling subsampling)
    {
        // With NOREALLOC the library assumes the buffer is tjBufSize() long, so it must be at least that.
        int needed = TurboJpeg.BufferSize(width, height, subsampling);
        if (_buffer.Length < needed)
            _buffer = GC.AllocateUninitializedArray<byte>(needed);
    }

    private static void CheckQuality(int quality)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
    }
}
