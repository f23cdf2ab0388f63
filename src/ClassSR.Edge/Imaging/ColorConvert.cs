namespace ClassSR.Edge.Imaging;

/// <summary>How <see cref="ColorConvert.YuvToRgb(YuvFrame, Span{byte}, ChromaUpsampling)"/> spreads I420 chroma over luma.</summary>
public enum ChromaUpsampling
{
    /// <summary>Each chroma sample covers its 2x2 luma block. Cheapest; blocky on sharp colour edges.</summary>
    Nearest,

    /// <summary>
    /// Triangle filter (9/16, 3/16, 3/16, 1/16) with chroma sited at the centre of its 2x2 block, as our
    /// box downsampling and JPEG put it. libjpeg calls this "fancy upsampling".
    /// </summary>
    Bilinear,
}

/// <summary>
/// BT.601 conversions between interleaved RGB24 and <see cref="YuvFrame"/>. Integer arithmetic with 16
/// fractional bits: exact enough (within 1 code value of the real-valued formulas) and fast on a Cortex-A.
/// </summary>
public static class ColorConvert
{
    private const int Shift = 16;
    private const int Half = 1 << (Shift - 1);

    // Forward matrices, indexed by ColorRange. Limited: the MATLAB rgb2ycbcr matrix (65.481, 128.553, 24.966 ...)/255.
    // Full: JFIF. Both are the same BT.601 matrix with different output swings.
    private static readonly Forward[] Forwards =
    [
        new Forward(
            yr: 65.481 / 255, yg: 128.553 / 255, yb: 24.966 / 255, yOffset: 16,
            ur: -37.797 / 255, ug: -74.203 / 255, ub: 112.0 / 255,
            vr: 112.0 / 255, vg: -93.786 / 255, vb: -18.214 / 255),
        new Forward(
            yr: 0.299, yg: 0.587, yb: 0.114, yOffset: 0,
            ur: -0.168736, ug: -0.331264, ub: 0.5,
            vr: 0.5, vg: -0.418688, vb: -0.081312),
    ];

    private static readonly Inverse[] Inverses =
    [
        new Inverse(yScale: 255.0 / 219, cScale: 255.0 / 224, yOffset: 16),
        new Inverse(yScale: 1.0, cScale: 1.0, yOffset: 0),
    ];

    // Range remapping is a per-value map, so a table per direction and plane kind.
    private static readonly byte[] LimitedToFullY = BuildLut(v => (v - 16) * 255.0 / 219);
    private static readonly byte[] LimitedToFullC = BuildLut(v => (v - 128) * 255.0 / 224 + 128);
    private static readonly byte[] FullToLimitedY = BuildLut(v => 16 + v * 219.0 / 255);
    private static readonly byte[] FullToLimitedC = BuildLut(v => 128 + (v - 128) * 224.0 / 255);

    /// <summary>
    /// Converts interleaved RGB24 to I420 in <paramref name="destination"/>'s <see cref="YuvFrame.Range"/>.
    /// Each chroma sample is the mean over its 2x2 block (fewer pixels at odd right/bottom edges).
    /// </summary>
    public static unsafe void RgbToYuv(ReadOnlySpan<byte> rgb, int width, int height, YuvFrame destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        RequireRgb(rgb, width, height);
        if (destination.Width != width || destination.Height != height)
            throw new ArgumentException($"frame is {destination.Width}x{destination.Height}, image is {width}x{height}", nameof(destination));

        Forward f = Forwards[(int)destination.Range];
        int cw = destination.ChromaWidth;
        int pairs = width >> 1;
        fixed (byte* src = rgb)
        fixed (byte* yp = destination.Y)
        fixed (byte* up = destination.U)
        fixed (byte* vp = destination.V)
        {
            for (int y = 0; y < height; y += 2)
            {
                bool twoRows = y + 1 < height;
                byte* s0 = src + (long)y * width * 3;
                byte* s1 = s0 + width * 3;
                byte* y0 = yp + (long)y * width;
                byte* y1 = y0 + width;
                byte* uo = up + (long)(y >> 1) * cw;
                byte* vo = vp + (long)(y >> 1) * cw;
                int rowShift = twoRows ? 1 : 0;

                for (int i = 0; i < pairs; i++)
                {
                    byte* a = s0 + 6 * i;
                    int r = a[0] + a[3], g = a[1] + a[4], b = a[2] + a[5];
                    y0[2 * i] = f.Luma(a[0], a[1], a[2]);
                    y0[2 * i + 1] = f.Luma(a[3], a[4], a[5]);
                    if (twoRows)
                    {
                        byte* c = s1 + 6 * i;
                        r += c[0] + c[3]; g += c[1] + c[4]; b += c[2] + c[5];
                        y1[2 * i] = f.Luma(c[0], c[1], c[2]);
                        y1[2 * i + 1] = f.Luma(c[3], c[4], c[5]);
                    }
                    f.Chroma(r, g, b, 1 + rowShift, out uo[i], out vo[i]);
                }

                if ((width & 1) != 0)
                {
                    byte* a = s0 + 6 * pairs;
                    int r = a[0], g = a[1], b = a[2];
                    y0[2 * pairs] = f.Luma(a[0], a[1], a[2]);
                    if (twoRows)
                    {
                        byte* c = s1 + 6 * pairs;
                        r += c[0]; g += c[1]; b += c[2];
                        y1[2 * pairs] = f.Luma(c[0], c[1], c[2]);
                    }
                    f.Chroma(r, g, b, rowShift, out uo[pairs], out vo[pairs]);
                }
            }
        }
    }

    /// <summary>Converts an I420 frame to interleaved RGB24 (<c>3 * Width * Height</c> bytes).</summary>
    public static unsafe void YuvToRgb(YuvFrame source, Span<byte> rgb, ChromaUpsampling upsampling = ChromaUpsampling.Nearest)
    {
        ArgumentNullException.ThrowIfNull(source);
        int w = source.Width, h = source.Height;
        RequireRgb(rgb, w, h);
        Inverse inv = Inverses[(int)source.Range];
        int cw = source.ChromaWidth, ch = source.ChromaHeight;

        fixed (byte* yp = source.Y)
        fixed (byte* up = source.U)
        fixed (byte* vp = source.V)
        fixed (byte* dst = rgb)
        {
            if (upsampling == ChromaUpsampling.Nearest)
            {
                int pairs = w >> 1;
                for (int y = 0; y < h; y++)
                {
                    byte* yr = yp + (long)y * w;
                    byte* ur = up + (long)(y >> 1) * cw;
                    byte* vr = vp + (long)(y >> 1) * cw;
                    byte* o = dst + (long)y * w * 3;
                    for (int i = 0; i < pairs; i++)
                    {
                        inv.ChromaTerms(ur[i], vr[i], out int rc, out int gc, out int bc);
                        inv.Store(yr[2 * i], rc, gc, bc, o + 6 * i);
                        inv.Store(yr[2 * i + 1], rc, gc, bc, o + 6 * i + 3);
                    }
                    if ((w & 1) != 0)
                    {
                        inv.ChromaTerms(ur[pairs], vr[pairs], out int rc, out int gc, out int bc);
                        inv.Store(yr[2 * pairs], rc, gc, bc, o + 6 * pairs);
                    }
                }
                return;
            }

            for (int y = 0; y < h; y++)
            {
                int nearRow = y >> 1;
                int farRow = Math.Clamp((y & 1) == 0 ? nearRow - 1 : nearRow + 1, 0, ch - 1);
                byte* yr = yp + (long)y * w;
                byte* un = up + (long)nearRow * cw, uf = up + (long)farRow * cw;
                byte* vn = vp + (long)nearRow * cw, vf = vp + (long)farRow * cw;
                byte* o = dst + (long)y * w * 3;
                for (int x = 0; x < w; x++)
                {
                    int nc = x >> 1;
                    int fc = Math.Clamp((x & 1) == 0 ? nc - 1 : nc + 1, 0, cw - 1);
                    int u = (9 * un[nc] + 3 * (un[fc] + uf[nc]) + uf[fc] + 8) >> 4;
                    int v = (9 * vn[nc] + 3 * (vn[fc] + vf[nc]) + vf[fc] + 8) >> 4;
                    inv.ChromaTerms(u, v, out int rc, out int gc, out int bc);
                    inv.Store(yr[x], rc, gc, bc, o + 3 * x);
                }
            }
        }
    }

    /// <summary>
    /// Converts full-resolution Y, Cb, Cr planes (each <c>width * height</c>, tightly packed), e.g. after
    /// upscaling the chroma of an I420 frame to the output size, to interleaved RGB24.
    /// </summary>
    public static unsafe void YuvToRgb(
        ReadOnlySpan<byte> y, ReadOnlySpan<byte> u, ReadOnlySpan<byte> v,
        int width, int height, ColorRange range, Span<byte> rgb)
    {
        RequireSize(width, height);
        int n = width * height;
        if (y.Length < n || u.Length < n || v.Length < n)
            throw new ArgumentException($"planes must hold {n} samples each for {width}x{height}");
        RequireRgb(rgb, width, height);
        Inverse inv = Inverses[(int)range];
        fixed (byte* yp = y)
        fixed (byte* up = u)
        fixed (byte* vp = v)
        fixed (byte* o = rgb)
        {
            for (int i = 0; i < n; i++)
            {
                inv.ChromaTerms(up[i], vp[i], out int rc, out int gc, out int bc);
                inv.Store(yp[i], rc, gc, bc, o + 3L * i);
            }
        }
    }

    /// <summary>
    /// The luma the SR field evaluates on: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255, R/G/B in 0..255,
    /// unrounded (MATLAB rgb2ycbcr on doubles, BasicSR's bgr2ycbcr y_only).
    /// </summary>
    public static void RgbToYFloat(ReadOnlySpan<byte> rgb, int width, int height, Span<double> y)
    {
        RequireRgb(rgb, width, height);
        int n = width * height;
        if (y.Length < n)
            throw new ArgumentException($"luma buffer holds {y.Length} values, {width}x{height} needs {n}", nameof(y));
        const double cr = 65.481 / 255, cg = 128.553 / 255, cb = 24.966 / 255;
        rgb = rgb[..(3 * n)];
        y = y[..n];
        for (int i = 0, j = 0; i < y.Length; i++, j += 3)
            y[i] = 16.0 + cr * rgb[j] + cg * rgb[j + 1] + cb * rgb[j + 2];
    }

    /// <summary>
    /// Remaps the frame's planes in place to <paramref name="target"/> swing (no-op when already there).
    /// Needed where the two meet: JPEG is full range, cameras and the field's Y convention are limited.
    /// </summary>
    public static void ConvertRange(YuvFrame frame, ColorRange target) => ConvertRange(frame, frame, target);

    /// <summary>Writes <paramref name="source"/> remapped to <paramref name="target"/> swing into a frame of the same size.</summary>
    public static void ConvertRange(YuvFrame source, YuvFrame destination, ColorRange target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        source.RequireSameSize(destination);
        if (source.Range == target)
        {
            source.CopyTo(destination);
            return;
        }
        bool toFull = target == ColorRange.Full;
        Remap(source.Y, destination.Y, toFull ? LimitedToFullY : FullToLimitedY);
        byte[] c = toFull ? LimitedToFullC : FullToLimitedC;
        Remap(source.U, destination.U, c);
        Remap(source.V, destination.V, c);
        destination.Range = target;
    }

    private static void Remap(ReadOnlySpan<byte> source, Span<byte> destination, byte[] lut)
    {
        ReadOnlySpan<byte> table = lut;
        destination = destination[..source.Length];
        for (int i = 0; i < source.Length; i++)
            destination[i] = table[source[i]];
    }

    private static byte[] BuildLut(Func<int, double> map)
    {
        var lut = new byte[256];
        for (int v = 0; v < 256; v++)
            lut[v] = (byte)Math.Clamp((int)Math.Round(map(v), MidpointRounding.AwayFromZero), 0, 255);
        return lut;
    }

    private static void RequireSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if ((long)width * height * 3 > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(width), $"image {width}x{height} is too large");
    }

    private static void RequireRgb(ReadOnlySpan<byte> rgb, int width, int height)
    {
        RequireSize(width, height);
        if (rgb.Length < 3 * width * height)
            throw new ArgumentException($"RGB buffer holds {rgb.Length} bytes, {width}x{height} needs {3 * width * height}", nameof(rgb));
    }

    private static int Fixed(double c) => (int)Math.Round(c * (1 << Shift));

    private static byte Clamp(int v) => (uint)v <= 255 ? (byte)v : v < 0 ? (byte)0 : (byte)255;

    private readonly struct Forward
    {
        private readonly int _yr, _yg, _yb, _yBias;
        private readonly int _ur, _ug, _ub, _vr, _vg, _vb;

        public Forward(double yr, double yg, double yb, int yOffset, double ur, double ug, double ub, double vr, double vg, double vb)
        {
            _yr = Fixed(yr); _yg = Fixed(yg); _yb = Fixed(yb);
            _yBias = (yOffset << Shift) + Half;
            _ur = Fixed(ur); _ug = Fixed(ug); _ub = Fixed(ub);
            _vr = Fixed(vr); _vg = Fixed(vg); _vb = Fixed(vb);
        }

        public byte Luma(int r, int g, int b) => Clamp((_yr * r + _yg * g + _yb * b + _yBias) >> Shift);

        /// <summary>r, g, b are sums over 2^<paramref name="log2Count"/> pixels; dividing inside the shift keeps the rounding exact.</summary>
        public void Chroma(int r, int g, int b, int log2Count, out byte u, out byte v)
        {
            int s = Shift + log2Count;
            int bias = (128 << s) + (1 << (s - 1));
            u = Clamp((_ur * r + _ug * g + _ub * b + bias) >> s);
            v = Clamp((_vr * r + _vg * g + _vb * b + bias) >> s);
        }
    }

    /// <summary>The YCbCr to RGB transform of <paramref name="range"/>, for writers that place each pixel themselves.</summary>
    public static Inverse InverseOf(ColorRange range) => Inverses[(int)range];

    /// <summary>BT.601 YCbCr to RGB in 16-bit fixed point for one swing.</summary>
    public readonly struct Inverse
    {
        private readonly int _y, _yOffset, _rv, _gu, _gv, _bu;

        public Inverse(double yScale, double cScale, int yOffset)
        {
            _y = Fixed(yScale);
            _yOffset = yOffset;
            _rv = Fixed(1.402 * cScale);
            _gu = Fixed(-0.344136 * cScale);
            _gv = Fixed(-0.714136 * cScale);
            _bu = Fixed(1.772 * cScale);
        }

        public void ChromaTerms(int u, int v, out int r, out int g, out int b)
        {
            u -= 128;
            v -= 128;
            r = _rv * v + Half;
            g = _gu * u + _gv * v + Half;
            b = _bu * u + Half;
        }

        /// <summary>Bits below the point in <see cref="LumaTerm"/> and the chroma terms (the rounding half is in the chroma terms).</summary>
        public const int FractionBits = Shift;

        /// <summary>
        /// A channel is <c>(LumaTerm(y) + chroma term) &gt;&gt; FractionBits</c>, clamped: split so a writer can tabulate
        /// each part once (a framebuffer draws millions of pixels from a few hundred distinct values).
        /// </summary>
        public int LumaTerm(int y) => _y * (y - _yOffset);

        public unsafe void Store(int y, int rc, int gc, int bc, byte* o)
        {
            int l = LumaTerm(y);
            o[0] = Clamp((l + rc) >> Shift);
            o[1] = Clamp((l + gc) >> Shift);
            o[2] = Clamp((l + bc) >> Shift);
        }
    }
}
