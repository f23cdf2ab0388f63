using System.Diagnostics;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sources;

/// <summary>
/// The embedded default: a procedural moving scene that exercises all three ClassSR branches, flat sky and
/// ground for the cheap branch, scrolling text-like strokes, fine stripes and a textured moving block for the
/// expensive one. Frame n is a pure function of n, so tests and benchmarks see the same pictures every run.
/// </summary>
public sealed class SyntheticSource : IFrameSource
{
    public const int DefaultWidth = 320, DefaultHeight = 180;
    readonly Pacer _pacer;
    long _index;

    public SyntheticSource(double fps, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 48);
        Width = width;
        Height = height;
        Fps = fps;
        _pacer = new Pacer(fps);
    }

    public string Name => "synthetic";
    public int Width { get; }
    public int Height { get; }
    public double Fps { get; }
    public bool EndIsFinal => false;
    public long CorruptFrames => 0;

    public void Open() => _pacer.Reset();

    public bool Read(YuvFrame destination, out long capturedTicks, CancellationToken cancel)
    {
        capturedTicks = 0;
        if (!_pacer.Wait(cancel))
            return false;
        Render(_index++, destination);
        capturedTicks = Stopwatch.GetTimestamp();
        return true;
    }

    public void Close() { }

    public void Dispose() { }

    /// <summary>Draws frame <paramref name="index"/> of the scene, in limited range.</summary>
    public static void Render(long index, YuvFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var scene = new Scene(index, frame.Width, frame.Height);
        int w = frame.Width, h = frame.Height;
        Span<byte> yPlane = frame.Y;
        for (int y = 0; y < h; y++)
        {
            Span<byte> row = yPlane.Slice(y * w, w);
            for (int x = 0; x < w; x++)
                row[x] = scene.Luma(x, y);
        }
        int cw = frame.ChromaWidth, ch = frame.ChromaHeight;
        Span<byte> u = frame.U, v = frame.V;
        for (int y = 0; y < ch; y++)
        {
            for (int x = 0; x < cw; x++)
            {
                var (cb, cr) = scene.Chroma(Math.Min(2 * x, w - 1), Math.Min(2 * y, h - 1));
                u[y * cw + x] = cb;
                v[y * cw + x] = cr;
            }
        }
        frame.Range = ColorRange.Limited;
    }

    /// <summary>Where everything is in one frame; the layout scales with the frame size.</summary>
    readonly struct Scene
    {
        readonly long _t;
        readonly int _w, _h, _horizon;
        readonly int _sunX, _sunY, _sunR;
        readonly int _textX0, _textX1, _textY0, _textY1;
        readonly int _stripeX0, _stripeX1, _stripeY0, _stripeY1;
        readonly int _boxX, _boxY, _boxSize;

        public Scene(long t, int w, int h)
        {
            _t = t;
            _w = w;
            _h = h;
            _horizon = h / 2;
            _sunR = Math.Max(6, h / 12);
            _sunX = (int)((w / 8 + t / 4) % (w + 2 * _sunR)) - _sunR;
            _sunY = h / 6;
            _textX0 = w / 26;
            _textX1 = w * 62 / 100;
            _textY0 = _horizon + h / 18;
            _textY1 = Math.Min(h - 4, _textY0 + 28);
            _stripeX0 = w * 66 / 100;
            _stripeX1 = w * 94 / 100;
            _stripeY0 = _horizon + h / 20;
            _stripeY1 = h - h / 20;
            _boxSize = Math.Max(16, h / 5);
            double a = t * (2 * Math.PI / 240), b = t * (2 * Math.PI / 170) + 1;
            _boxX = (int)(w / 2 + (w / 2 - _boxSize) * Math.Sin(a)) - _boxSize / 2;
            _boxY = (int)(h / 2 + (h / 2 - _boxSize) * Math.Sin(b)) - _boxSize / 2;
        }

        bool InBox(int x, int y) => (uint)(x - _boxX) < (uint)_boxSize && (uint)(y - _boxY) < (uint)_boxSize;
        bool InText(int x, int y) => x >= _textX0 && x < _textX1 && y >= _textY0 && y < _textY1;
        bool InStripes(int x, int y) => x >= _stripeX0 && x < _stripeX1 && y >= _stripeY0 && y < _stripeY1;

        public byte Luma(int x, int y)
        {
            if (InBox(x, y))
            {
                int lx = x - _boxX, ly = y - _boxY;
                if (lx < 2 || ly < 2 || lx >= _boxSize - 2 || ly >= _boxSize - 2)
                    return 30;
                // Texture in object coordinates, so it travels with the block rather than shimmering.
                return (byte)(60 + Hash((uint)(lx >> 1), (uint)(ly >> 1), 7) % 150);
            }
            if (InText(x, y))
                return TextLuma(x - _textX0, y - _textY0);
            if (InStripes(x, y))
                return StripeLuma(x - _stripeX0, y - _stripeY0);
            if (y < _horizon)
            {
                int dx = x - _sunX, dy = y - _sunY;
                int d2 = dx * dx + dy * dy, r2 = _sunR * _sunR;
                int sky = 110 + 60 * y / _horizon;
                if (d2 < 4 * r2)
                {
                    // A soft-edged disk: bright, but with no edge sharp enough to need a big branch.
                    double k = Math.Clamp(2.0 - Math.Sqrt(d2) / _sunR, 0, 1);
                    return (byte)(sky + (225 - sky) * k * k * (3 - 2 * k));
                }
                return (byte)sky;
            }
            return (byte)(64 + 24 * (y - _horizon) / (_h - _horizon));
        }

        public (byte U, byte V) Chroma(int x, int y)
        {
            if (InBox(x, y)) return (100, 170);
            if (InText(x, y)) return (128, 128);
            if (InStripes(x, y)) return (136, 120);
            if (y < _horizon) return ((byte)(150 - 12 * y / _horizon), 112);
            return (118, 134);
        }

        byte TextLuma(int x, int y)
        {
            const byte Paper = 225, Ink = 32;
            const int CellW = 8, CellH = 14;
            int line = y / CellH, py = y % CellH;
            // The ticker scrolls one pixel a frame; lines scroll in opposite directions.
            long u = line == 0 ? x + _t : x - _t + 100_000;
            long glyph = u / CellW;
            int px = (int)(u % CellW);
            uint bits = Hash((uint)glyph, (uint)line, 3);
            if (bits % 7 == 0 || px >= 5 || py < 3 || py >= 12)
                return Paper;
            int gy = py - 3; // 0..8 in a 5x9 glyph box
            bool on =
                ((bits & 1) != 0 && gy == 0) ||                       // top bar
                ((bits & 2) != 0 && gy == 4) ||                       // middle bar
                ((bits & 4) != 0 && gy == 8) ||                       // bottom bar
                ((bits & 8) != 0 && px == 0 && gy <= 4) ||            // upper left stem
                ((bits & 16) != 0 && px == 0 && gy >= 4) ||           // lower left stem
                ((bits & 32) != 0 && px == 4 && gy <= 4) ||           // upper right stem
                ((bits & 64) != 0 && px == 4 && gy >= 4) ||           // lower right stem
                ((bits & 128) != 0 && px == gy / 2);                  // diagonal
            return on ? Ink : Paper;
        }

        byte StripeLuma(int x, int y)
        {
            int half = (_stripeX1 - _stripeX0) / 2;
            if (x < half)
                return (x & 1) == 0 ? (byte)40 : (byte)200;
            return (x + y + _t) % 3 == 0 ? (byte)50 : (byte)190;
        }

        static uint Hash(uint a, uint b, uint salt)
        {
            uint h = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u ^ salt * 0xC2B2AE3Du;
            h ^= h >> 15;
            h *= 0x2C1B3C6Du;
            h ^= h >> 12;
            h *= 0x297A2D39u;
            h ^= h >> 15;
            return h;
        }
    }
}
