using System.Runtime.InteropServices;

namespace ClassSR.Edge.Imaging;

/// <summary>What a JPEG header says.</summary>
public readonly record struct JpegHeader(int Width, int Height, JpegSubsampling Subsampling);

/// <summary>
/// One TurboJPEG decompressor, reused across frames (MJPEG cameras). Decoding a 4:2:0 JPEG into a
/// <see cref="YuvFrame"/> skips the colour conversion entirely and allocates nothing. Not thread-safe.
/// </summary>
/// <remarks>
/// TurboJPEG reports recoverable damage (e.g. a truncated scan, common in MJPEG from cheap UVC cameras) as a
/// warning after decoding what it could; that is treated as success and kept in <see cref="LastWarning"/>.
/// </remarks>
public sealed unsafe class JpegDecoder : IDisposable
{
    private nint _handle;
    private byte[] _rgb = [];
    private byte[] _evenLuma = [];

    public JpegDecoder()
    {
        _handle = TurboJpeg.tjInitDecompress();
        if (_handle == 0)
            throw new InvalidOperationException($"TurboJPEG: cannot create a decompressor: {TurboJpeg.ErrorText(0)}");
    }

    /// <summary>The warning of the last decode, or null when it was clean.</summary>
    public string? LastWarning { get; private set; }

    public JpegHeader ReadHeader(ReadOnlySpan<byte> jpeg)
    {
        nint handle = Handle();
        if (jpeg.IsEmpty)
            throw new ImageFormatException("cannot decode JPEG: empty buffer");
        int width, height, subsamp, colorspace;
        fixed (byte* src = jpeg)
        {
            int rc = TurboJpeg.tjDecompressHeader3(handle, src, new CULong((nuint)jpeg.Length), &width, &height, &subsamp, &colorspace);
            if (rc != 0)
                throw Failed(handle);
        }
        return new JpegHeader(width, height, subsamp < 0 ? JpegSubsampling.Unknown : (JpegSubsampling)subsamp);
    }

    /// <summary>
    /// Decodes into a frame of the JPEG's size, in the frame's own <see cref="YuvFrame.Range"/> (JPEG is full
    /// range; a limited-range frame gets remapped). 4:2:0 and grayscale go straight to planes; other
    /// subsamplings decode to RGB (buffer kept for the next call) and convert.
    /// </summary>
    public void DecodeI420(ReadOnlySpan<byte> jpeg, YuvFrame destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        JpegHeader header = ReadHeader(jpeg);
        if (header.Width != destination.Width || header.Height != destination.Height)
            throw new ArgumentException($"JPEG is {header.Width}x{header.Height}, frame is {destination.Width}x{destination.Height}", nameof(destination));

        if (header.Subsampling is not (JpegSubsampling.S420 or JpegSubsampling.Gray))
        {
            int needed = checked(3 * header.Width * header.Height);
            if (_rgb.Length < needed)
                _rgb = GC.AllocateUninitializedArray<byte>(needed);
            DecodeRgb(jpeg, header, _rgb);
            ColorConvert.RgbToYuv(_rgb, header.Width, header.Height, destination);
            return;
        }

        // As in the encoder: TurboJPEG writes an even-sized 4:2:0 luma plane, one column and row more than an
        // odd-sized frame's Y holds, so odd sizes decode into a padded plane and copy out.
        bool padLuma = header.Subsampling == JpegSubsampling.S420 && ((header.Width | header.Height) & 1) != 0;
        int lumaStride = destination.YStride;
        if (padLuma)
        {
            lumaStride = (header.Width + 1) & ~1;
            int needed = lumaStride * ((header.Height + 1) & ~1);
            if (_evenLuma.Length < needed)
                _evenLuma = GC.AllocateUninitializedArray<byte>(needed);
        }

        nint handle = Handle();
        fixed (byte* src = jpeg)
        fixed (byte* y = padLuma ? _evenLuma : destination.Y)
        fixed (byte* u = destination.U)
        fixed (byte* v = destination.V)
        {
            byte** planes = stackalloc byte*[3] { y, u, v };
            int* strides = stackalloc int[3] { lumaStride, destination.ChromaStride, destination.ChromaStride };
            int rc = TurboJpeg.tjDecompressToYUVPlanes(
                handle, src, new CULong((nuint)jpeg.Length), planes, header.Width, strides, header.Height, 0);
            Check(rc, handle);
        }
        if (padLuma)
        {
            for (int row = 0; row < header.Height; row++)
                _evenLuma.AsSpan(row * lumaStride, header.Width).CopyTo(destination.Y.AsSpan(row * header.Width));
        }
        if (header.Subsampling == JpegSubsampling.Gray)
        {
            destination.U.AsSpan().Fill(128);
            destination.V.AsSpan().Fill(128);
        }
        ColorRange wanted = destination.Range;
        destination.Range = ColorRange.Full;
        ColorConvert.ConvertRange(destination, wanted);
    }

    /// <summary>Decodes to interleaved RGB24; <paramref name="rgb"/> must hold 3 * width * height bytes (see <see cref="ReadHeader"/>).</summary>
    public JpegHeader DecodeRgb(ReadOnlySpan<byte> jpeg, Span<byte> rgb)
    {
        JpegHeader header = ReadHeader(jpeg);
        DecodeRgb(jpeg, header, rgb);
        return header;
    }

    ~JpegDecoder() => Release();

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    // The handle is native memory (the decompressor and its tables); an undisposed codec must not leak it.
    private void Release()
    {
        if (_handle != 0)
        {
            TurboJpeg.tjDestroy(_handle);
            _handle = 0;
        }
    }

    private void DecodeRgb(ReadOnlySpan<byte> jpeg, JpegHeader header, Span<byte> rgb)
    {
        long needed = 3L * header.Width * header.Height;
        if (rgb.Length < needed)
            throw new ArgumentException($"RGB buffer holds {rgb.Length} bytes, {header.Width}x{header.Height} needs {needed}", nameof(rgb));
        nint handle = Handle();
        fixed (byte* src = jpeg)
        fixed (byte* dst = rgb)
        {
            int rc = TurboJpeg.tjDecompress2(
                handle, src, new CULong((nuint)jpeg.Length), dst, header.Width, header.Width * 3, header.Height,
                TurboJpeg.PixelFormatRgb, 0);
            Check(rc, handle);
        }
    }

    private void Check(int rc, nint handle)
    {
        LastWarning = null;
        if (rc == 0)
            return;
        string text = TurboJpeg.ErrorText(handle);
        if (TurboJpeg.tjGetErrorCode(handle) == TurboJpeg.ErrorWarning)
        {
            LastWarning = text;
            return;
        }
        throw Failed(handle);
    }

    /// <summary>
    /// The error of a failed call, after replacing the decompressor: TurboJPEG 2.x leaves one whose header read
    /// failed mid-stream in that state, so every later image fails with the same error (one bad MJPEG frame
    /// would end a camera's stream for good).
    /// </summary>
    private ImageFormatException Failed(nint handle)
    {
        var error = new ImageFormatException($"cannot decode JPEG: {TurboJpeg.ErrorText(handle)}");
        nint fresh = TurboJpeg.tjInitDecompress();
        if (fresh != 0)
        {
            TurboJpeg.tjDestroy(_handle);
            _handle = fresh;
        }
        return error;
    }

    private nint Handle()
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        return _handle;
    }
}
