using ClassSR.Edge.IO.Framebuffer;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// Draws I420 frames onto a framebuffer's visible area, scaled to fit with the aspect kept and black bars
/// around: luma bilinear, chroma nearest (it is half resolution already), BT.601 in the frame's own range.
/// The sampling maps are made once per frame size, so drawing a frame allocates nothing.
/// </summary>
public sealed class LetterboxPainter
{
    readonly IFramebufferDevice _device;
    readonly int _screenWidth, _screenHeight, _stride, _bytesPerPixel;
    readonly uint _black;
    readonly PixelFormat _format;

    // Per source size: destination column -> two luma columns, weight (of 256) and chroma column; rows alike.
    int _sourceWidth, _sourceHeight;
    int[] _x0 = [], _x1 = [], _wx = [], _cx = [];
    int[] _y0 = [], _y1 = [], _wy = [], _cy = [];
    // Per source size: one source row blended vertically, and one chroma row's red/green/blue terms.
    int[] _blend = [], _redTerms = [], _greenTerms = [], _blueTerms = [];

    // Per pixel only table look-ups: a range's luma term per code value, and per channel the packed, clamped
    // pixel bits for every (luma + chroma) >> FractionBits, offset by ChannelBias.
    const int ChannelBias = 1024;
    readonly int[][] _lumaTerms = new int[2][];
    readonly uint[] _red = new uint[2 * ChannelBias], _green = new uint[2 * ChannelBias], _blue = new uint[2 * ChannelBias];

    /// <exception cref="NotSupportedException">A pixel format other than RGB565 or XRGB8888, or an inconsistent geometry.</exception>
    public LetterboxPainter(IFramebufferDevice device)
    {
        _device = device;
        var v = device.Variable;
        var f = device.Fixed;
        _format = PixelFormat.Of(v, f, device.Name);
        _bytesPerPixel = _format.BytesPerPixel;
        (_screenWidth, _screenHeight, _stride) = ((int)v.XRes, (int)v.YRes, (int)f.LineLength);
        if (_screenWidth < 1 || _screenHeight < 1)
            throw new NotSupportedException($"{device.Name}: the screen is {v.XRes}x{v.YRes}");
        if ((long)_stride < (long)(v.XOffset + v.XRes) * _bytesPerPixel)
            throw new NotSupportedException($"{device.Name}: line_length {f.LineLength} is shorter than a row of {v.XOffset + v.XRes} pixels");
        Origin = (long)v.YOffset * _stride + (long)v.XOffset * _bytesPerPixel;
        long end = Origin + (long)(_screenHeight - 1) * _stride + (long)_screenWidth * _bytesPerPixel;
        if (end > device.Memory.Length)
            throw new NotSupportedException($"{device.Name}: the visible area ends at byte {end}, past smem_len {device.Memory.Length}");
        _black = _format.Opaque;
        foreach (var range in (ColorRange[])[ColorRange.Limited, ColorRange.Full])
        {
            var inverse = ColorConvert.InverseOf(range);
            _lumaTerms[(int)range] = [.. Enumerable.Range(0, 256).Select(inverse.LumaTerm)];
        }
        for (int i = 0; i < 2 * ChannelBias; i++)
        {
            int c = Math.Clamp(i - ChannelBias, 0, 255);
            // Pack always adds the alpha bits; keep them in the red table only, so OR-ing the three adds them once.
            _red[i] = _format.Pack(c, 0, 0);
            _green[i] = _format.Pack(0, c, 0) ^ _black;
            _blue[i] = _format.Pack(0, 0, c) ^ _black;
        }
    }

    public PixelFormat Format => _format;
    public (int Width, int Height) Screen => (_screenWidth, _screenHeight);
    /// <summary>Byte offset of the visible area's first pixel (x/yoffset: panning or the page shown).</summary>
    public long Origin { get; }
    /// <summary>Where the last frame landed on the screen.</summary>
    public (int X, int Y, int Width, int Height) Picture { get; private set; }

    /// <summary>Centred, as large as fits, aspect kept (to the nearest pixel).</summary>
    public static (int X, int Y, int Width, int Height) Fit(int width, int height, int screenWidth, int screenHeight)
    {
        int w, h;
        if ((long)width * screenHeight >= (long)height * screenWidth)
            (w, h) = (screenWidth, (int)Math.Max(1, ((long)height * screenWidth * 2 + width) / (2L * width)));
        else
            (w, h) = ((int)Math.Max(1, ((long)width * screenHeight * 2 + height) / (2L * height)), screenHeight);
        return ((screenWidth - w) / 2, (screenHeight - h) / 2, w, h);
    }

    void Prepare(int width, int height)
    {
        if (width == _sourceWidth && height == _sourceHeight)
            return;
        var p = Fit(width, height, _screenWidth, _screenHeight);
        (_x0, _x1, _wx, _cx) = Axis(width, p.Width);
        (_y0, _y1, _wy, _cy) = Axis(height, p.Height);
        int chromaWidth = (width + 1) / 2;
        (_blend, _redTerms, _greenTerms, _blueTerms) = (new int[width], new int[chromaWidth], new int[chromaWidth], new int[chromaWidth]);
        (_sourceWidth, _sourceHeight) = (width, height);
        Picture = p;
    }

    /// <summary>Sample positions for <paramref name="to"/> outputs over <paramref name="from"/> inputs, pixel centres aligned.</summary>
    static (int[] I0, int[] I1, int[] W, int[] Chroma) Axis(int from, int to)
    {
        var (i0, i1, w, c) = (new int[to], new int[to], new int[to], new int[to]);
        int chromaLast = (from + 1) / 2 - 1;
        for (int d = 0; d < to; d++)
        {
            // Source position of the destination pixel's centre, in 1/256 pixels: ((d + 0.5) * from / to - 0.5).
            long p = ((2L * d + 1) * from * 256 - 256L * to) / (2L * to);
            p = Math.Clamp(p, 0, (from - 1) * 256L);
            i0[d] = (int)(p >> 8);
            i1[d] = Math.Min(i0[d] + 1, from - 1);
            w[d] = (int)(p & 255);
            c[d] = Math.Min((int)((p + 128) >> 8) >> 1, chromaLast);
        }
        return (i0, i1, w, c);
    }

    public unsafe void Paint(YuvFrame frame)
    {
        Prepare(frame.Width, frame.Height);
        var inverse = ColorConvert.InverseOf(frame.Range);
        const int shift = ColorConvert.Inverse.FractionBits;
        var (px, py, pw, ph) = Picture;
        int srcW = frame.Width, cw = frame.ChromaWidth, bpp = _bytesPerPixel;
        int lastY0 = -1, lastWy = -1, lastChromaRow = -1;
        fixed (byte* fb = _device.Memory)
        fixed (byte* yp = frame.Y, up = frame.U, vp = frame.V)
        fixed (int* x0 = _x0, x1 = _x1, wx = _wx, cx = _cx, blend = _blend, luma = _lumaTerms[(int)frame.Range])
        fixed (int* rt = _redTerms, gt = _greenTerms, bt = _blueTerms)
        fixed (uint* red = _red, green = _green, blue = _blue)
        {
            byte* origin = fb + Origin;
            for (int row = 0; row < _screenHeight; row++)
            {
                byte* line = origin + (long)row * _stride;
                int dy = row - py;
                // The bars are painted with every frame, not once: the kernel console or another program may draw
                // on the framebuffer too, and a memset of the margins costs little next to the picture.
                if (dy < 0 || dy >= ph)
                {
                    FillBlack(line, _screenWidth);
                    continue;
                }
                FillBlack(line, px);
                FillBlack(line + (long)(px + pw) * bpp, _screenWidth - px - pw);

                // Neighbouring screen rows often sample the same source rows: blend and convert those once.
                int y0 = _y0[dy], wy = _wy[dy];
                if (y0 != lastY0 || wy != lastWy)
                {
                    byte* r0 = yp + (long)y0 * srcW, r1 = yp + (long)_y1[dy] * srcW;
                    for (int x = 0; x < srcW; x++)
                        blend[x] = r0[x] * (256 - wy) + r1[x] * wy;
                    (lastY0, lastWy) = (y0, wy);
                }
                int chromaRow = _cy[dy];
                if (chromaRow != lastChromaRow)
                {
                    byte* ur = up + (long)chromaRow * cw, vr = vp + (long)chromaRow * cw;
                    for (int i = 0; i < cw; i++)
                        inverse.ChromaTerms(ur[i], vr[i], out rt[i], out gt[i], out bt[i]);
                    lastChromaRow = chromaRow;
                }

                byte* o = line + (long)px * bpp;
                for (int dx = 0; dx < pw; dx++)
                {
                    int a = blend[x0[dx]];
                    int l = luma[(a * 256 + (blend[x1[dx]] - a) * wx[dx] + (1 << 15)) >> 16];
                    int c = cx[dx];
                    uint pixel = red[((l + rt[c]) >> shift) + ChannelBias] | green[((l + gt[c]) >> shift) + ChannelBias]
                        | blue[((l + bt[c]) >> shift) + ChannelBias];
                    if (bpp == 2)
                        ((ushort*)o)[dx] = (ushort)pixel;
                    else
                        ((uint*)o)[dx] = pixel;
                }
            }
        }
    }

    /// <summary>Paints the whole visible area black (at stop, so the last frame does not stay on a dead display).</summary>
    public unsafe void Clear()
    {
        fixed (byte* fb = _device.Memory)
            for (int row = 0; row < _screenHeight; row++)
                FillBlack(fb + Origin + (long)row * _stride, _screenWidth);
    }

    unsafe void FillBlack(byte* at, int pixels)
    {
        if (pixels <= 0)
            return;
        if (_bytesPerPixel == 2)
            new Span<ushort>(at, pixels).Fill((ushort)_black);
        else
            new Span<uint>(at, pixels).Fill(_black);
    }
}
