namespace ClassSR.Edge.Imaging;

/// <summary>How Y/Cb/Cr code values map to the signal.</summary>
public enum ColorRange
{
    /// <summary>"TV"/studio swing: Y 16..235, Cb/Cr 16..240. What V4L2 YUV cameras and video codecs deliver.</summary>
    Limited,

    /// <summary>"PC"/JFIF swing: all three 0..255. What JPEG (and so MJPEG) carries.</summary>
    Full,
}

/// <summary>
/// A planar I420 (4:2:0) frame, BT.601. Planes are tightly packed: every stride equals its plane width,
/// and odd sizes round the chroma planes up, so the last chroma column/row covers a single luma column/row.
/// </summary>
public sealed class YuvFrame
{
    public YuvFrame(int width, int height, ColorRange range = ColorRange.Limited)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        // Keep every plane index inside int, which all the span arithmetic relies on.
        if ((long)width * height > int.MaxValue / 2)
            throw new ArgumentOutOfRangeException(nameof(width), $"frame {width}x{height} is too large");

        Width = width;
        Height = height;
        ChromaWidth = (width + 1) >> 1;
        ChromaHeight = (height + 1) >> 1;
        Range = range;
        Y = new byte[width * height];
        U = new byte[ChromaWidth * ChromaHeight];
        V = new byte[ChromaWidth * ChromaHeight];
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>ceil(Width / 2).</summary>
    public int ChromaWidth { get; }

    /// <summary>ceil(Height / 2).</summary>
    public int ChromaHeight { get; }

    public byte[] Y { get; }
    public byte[] U { get; }
    public byte[] V { get; }

    public int YStride => Width;
    public int ChromaStride => ChromaWidth;

    /// <summary>
    /// The swing the plane values are in. Settable because a frame is reused across captures and the
    /// ingestion helpers only move bytes: whoever fills the frame states what the source delivered.
    /// </summary>
    public ColorRange Range { get; set; }

    /// <summary>Copies planes and range into a frame of the same size.</summary>
    public void CopyTo(YuvFrame destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        RequireSameSize(destination);
        if (ReferenceEquals(destination, this))
            return;
        Y.AsSpan().CopyTo(destination.Y);
        U.AsSpan().CopyTo(destination.U);
        V.AsSpan().CopyTo(destination.V);
        destination.Range = Range;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> from an NV12 buffer: the Y plane, then at <c>yStride * height</c>
    /// the interleaved CbCr plane. Strides of 0 mean tightly packed (Y: width, CbCr: 2 * ceil(width / 2)).
    /// The frame's <see cref="Range"/> is left as is.
    /// </summary>
    public static unsafe void FromNv12(ReadOnlySpan<byte> nv12, YuvFrame destination, int yStride = 0, int uvStride = 0)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int w = destination.Width, h = destination.Height;
        int cw = destination.ChromaWidth, ch = destination.ChromaHeight;
        if (yStride == 0) yStride = w;
        if (uvStride == 0) uvStride = 2 * cw;
        ArgumentOutOfRangeException.ThrowIfLessThan(yStride, w);
        ArgumentOutOfRangeException.ThrowIfLessThan(uvStride, 2 * cw);

        long uvOffset = (long)yStride * h;
        long needed = uvOffset + (long)uvStride * (ch - 1) + 2L * cw;
        if (nv12.Length < needed)
            throw new ArgumentException($"NV12 buffer holds {nv12.Length} bytes, a {w}x{h} frame needs {needed}", nameof(nv12));

        CopyPlane(nv12, yStride, destination.Y, w, h);

        fixed (byte* uv = nv12[(int)uvOffset..])
        fixed (byte* up = destination.U)
        fixed (byte* vp = destination.V)
        {
            for (int y = 0; y < ch; y++)
            {
                byte* row = uv + (long)y * uvStride;
                byte* uo = up + (long)y * cw;
                byte* vo = vp + (long)y * cw;
                for (int x = 0; x < cw; x++)
                {
                    uo[x] = row[2 * x];
                    vo[x] = row[2 * x + 1];
                }
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> from packed YUYV 4:2:2 (Y0 Cb Y1 Cr per pixel pair).
    /// 4:2:2 has chroma on every row; I420 keeps one chroma row per two, the rounded mean of the pair.
    /// A stride of 0 means tightly packed (4 * ceil(width / 2) bytes). The frame's <see cref="Range"/> is left as is.
    /// </summary>
    public static unsafe void FromYuyv(ReadOnlySpan<byte> yuyv, YuvFrame destination, int stride = 0)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int w = destination.Width, h = destination.Height;
        int cw = destination.ChromaWidth;
        if (stride == 0) stride = 4 * cw;
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 4 * cw);
        long needed = (long)stride * (h - 1) + 4L * cw;
        if (yuyv.Length < needed)
            throw new ArgumentException($"YUYV buffer holds {yuyv.Length} bytes, a {w}x{h} frame needs {needed}", nameof(yuyv));

        int pairs = w >> 1;
        bool oddWidth = (w & 1) != 0;
        fixed (byte* src = yuyv)
        fixed (byte* yp = destination.Y)
        fixed (byte* up = destination.U)
        fixed (byte* vp = destination.V)
        {
            for (int y = 0; y < h; y += 2)
            {
                byte* r0 = src + (long)y * stride;
                // The last row of an odd-height frame has no partner; averaging it with itself keeps one loop.
                byte* r1 = y + 1 < h ? r0 + stride : r0;
                byte* y0 = yp + (long)y * w;
                byte* y1 = y + 1 < h ? y0 + w : null;
                byte* uo = up + (long)(y >> 1) * cw;
                byte* vo = vp + (long)(y >> 1) * cw;

                for (int i = 0; i < pairs; i++)
                {
                    byte* a = r0 + 4 * i, b = r1 + 4 * i;
                    y0[2 * i] = a[0];
                    y0[2 * i + 1] = a[2];
                    uo[i] = (byte)((a[1] + b[1] + 1) >> 1);
                    vo[i] = (byte)((a[3] + b[3] + 1) >> 1);
                }
                if (oddWidth)
                {
                    byte* a = r0 + 4 * pairs, b = r1 + 4 * pairs;
                    y0[2 * pairs] = a[0];
                    uo[pairs] = (byte)((a[1] + b[1] + 1) >> 1);
                    vo[pairs] = (byte)((a[3] + b[3] + 1) >> 1);
                }
                if (y1 != null)
                {
                    for (int i = 0; i < pairs; i++)
                    {
                        y1[2 * i] = r1[4 * i];
                        y1[2 * i + 1] = r1[4 * i + 2];
                    }
                    if (oddWidth)
                        y1[2 * pairs] = r1[4 * pairs];
                }
            }
        }
    }

    internal void RequireSameSize(YuvFrame other)
    {
        if (other.Width != Width || other.Height != Height)
            throw new ArgumentException($"frame is {other.Width}x{other.Height}, expected {Width}x{Height}");
    }

    private static void CopyPlane(ReadOnlySpan<byte> src, int srcStride, Span<byte> dst, int width, int height)
    {
        if (srcStride == width)
        {
            src[..(width * height)].CopyTo(dst);
            return;
        }
        for (int y = 0; y < height; y++)
            src.Slice(y * srcStride, width).CopyTo(dst.Slice(y * width, width));
    }
}
