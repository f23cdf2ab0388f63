using System.Buffers.Binary;
using ClassSR.Edge.IO.Framebuffer;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Imaging;
using Xunit;
using ClassSR.Edge.Tests.Sinks;

namespace ClassSR.Edge.Tests.Framebuffer;

public class FramebufferTests
{
    [Fact]
    public unsafe void Screen_infos_match_the_kernel_abi()
    {
        Assert.Equal(160, sizeof(FbVarScreenInfo));
        Assert.Equal(12, sizeof(FbBitfield));
        // unsigned long fields make the fixed info 80 bytes on 64-bit kernels and 68 on 32-bit ones.
        Assert.Equal(IntPtr.Size == 8 ? 80 : 68, sizeof(FbFixScreenInfo));

        FbVarScreenInfo v;
        byte* vb = (byte*)&v;
        Assert.Equal(24, (byte*)&v.BitsPerPixel - vb);
        Assert.Equal(32, (byte*)&v.Red - vb);
        Assert.Equal(44, (byte*)&v.Green - vb);
        Assert.Equal(56, (byte*)&v.Blue - vb);
        Assert.Equal(68, (byte*)&v.Transp - vb);
        Assert.Equal(80, (byte*)&v.NonStd - vb);
        Assert.Equal(136, (byte*)&v.Rotate - vb);
        Assert.Equal(144, (byte*)v.Reserved - vb);

        FbFixScreenInfo f;
        byte* fb = (byte*)&f;
        bool wide = IntPtr.Size == 8;
        Assert.Equal(16, (byte*)&f.SmemStart - fb);
        Assert.Equal(wide ? 24 : 20, (byte*)&f.SmemLen - fb);
        Assert.Equal(wide ? 36 : 32, (byte*)&f.Visual - fb);
        Assert.Equal(wide ? 44 : 40, (byte*)&f.YWrapStep - fb);
        Assert.Equal(wide ? 48 : 44, (byte*)&f.LineLength - fb);
        Assert.Equal(wide ? 56 : 48, (byte*)&f.MmioStart - fb);
        Assert.Equal(wide ? 72 : 60, (byte*)&f.Capabilities - fb);
    }

    // Four solid colours in 4x4 blocks (whole chroma samples), so every screen pixel has one expected colour.
    static readonly (byte R, byte G, byte B)[] Colours = [(230, 30, 40), (20, 200, 60), (30, 60, 220), (250, 250, 250)];
    const int SrcW = 16, SrcH = 8;

    static YuvFrame Quadrants(ColorRange range)
    {
        var rgb = new byte[SrcW * SrcH * 3];
        for (int y = 0; y < SrcH; y++)
            for (int x = 0; x < SrcW; x++)
            {
                var c = Colours[(y < SrcH / 2 ? 0 : 2) + (x < SrcW / 2 ? 0 : 1)];
                (rgb[3 * (y * SrcW + x)], rgb[3 * (y * SrcW + x) + 1], rgb[3 * (y * SrcW + x) + 2]) = c;
            }
        var frame = new YuvFrame(SrcW, SrcH, range);
        ColorConvert.RgbToYuv(rgb, SrcW, SrcH, frame);
        return frame;
    }

    static (int R, int G, int B) PixelAt(SimulatedFramebuffer fb, int x, int y)
    {
        var v = fb.Variable;
        int bpp = (int)v.BitsPerPixel / 8;
        int at = (int)(((long)v.YOffset + y) * fb.Fixed.LineLength + (v.XOffset + x) * bpp);
        uint p = bpp == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(fb.Bytes.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(fb.Bytes.AsSpan(at));
        int Channel(FbBitfield f) => (int)((p >> (int)f.Offset) & ((1u << (int)f.Length) - 1)) << (8 - (int)f.Length);
        return (Channel(v.Red), Channel(v.Green), Channel(v.Blue));
    }

    public static TheoryData<string, ColorRange, uint> Layouts => new()
    {
        { "rgb565", ColorRange.Limited, 0 },
        { "xrgb8888", ColorRange.Limited, 0 },
        { "xrgb8888", ColorRange.Full, 0 },
        // Rows padded past the visible width, as drivers do to align lines.
        { "rgb565", ColorRange.Full, 48 * 2 + 20 },
        { "xrgb8888", ColorRange.Limited, 48 * 4 + 36 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_frame_lands_letterboxed_with_its_colours(string layout, ColorRange range, uint lineLength)
    {
        var format = layout == "rgb565" ? SimulatedFramebuffer.Rgb565 : SimulatedFramebuffer.Xrgb8888;
        // 16x8 (2:1) on 48x40: scaled x3 to 48x24, with 8-row bars above and below.
        using var fb = SimulatedFramebuffer.Create(48, 40, format, lineLength);
        fb.Bytes.AsSpan().Fill(0xA5); // anything not drawn keeps this
        var painter = new LetterboxPainter(fb);
        painter.Paint(Quadrants(range));

        Assert.Equal((0, 8, 48, 24), painter.Picture);
        int bpp = (int)format.BitsPerPixel / 8;
        // Quantisation: 565 keeps 5 or 6 bits; 8888 is off by rounding in the two conversions only.
        int tolerance = bpp == 2 ? 9 : 3;
        for (int y = 0; y < 40; y++)
        {
            for (int x = 0; x < 48; x++)
            {
                var got = PixelAt(fb, x, y);
                if (y < 8 || y >= 32)
                {
                    Assert.Equal((0, 0, 0), got);
                    continue;
                }
                // Away from the seams, where bilinear luma blends two blocks.
                int sy = (y - 8) / 3, sx = x / 3;
                if (sx is 7 or 8 || sy is 3 or 4)
                    continue;
                var want = Colours[(sy < 4 ? 0 : 2) + (sx < 8 ? 0 : 1)];
                Assert.True(Math.Abs(got.R - want.R) <= tolerance && Math.Abs(got.G - want.G) <= tolerance && Math.Abs(got.B - want.B) <= tolerance,
                    $"({x},{y}) is {got}, expected {want}");
            }
            // The padding at the end of each line is not the screen's: it must stay untouched.
            int rowEnd = y * (int)fb.Fixed.LineLength;
            Assert.All(fb.Bytes.AsSpan(rowEnd + 48 * bpp, (int)fb.Fixed.LineLength - 48 * bpp).ToArray(), b => Assert.Equal(0xA5, b));
        }
    }

    [Fact]
    public void Pillarboxes_a_tall_frame_and_draws_on_the_page_shown()
    {
        // A double-buffered screen showing its second page: the first must stay as it was.
        using var fb = SimulatedFramebuffer.Create(40, 20, SimulatedFramebuffer.Xrgb8888, pages: 2);
        fb.Variable = fb.Variable with { YOffset = 20 };
        var painter = new LetterboxPainter(fb);
        var frame = new YuvFrame(10, 10, ColorRange.Full);
        frame.Y.AsSpan().Fill(255);
        frame.U.AsSpan().Fill(128);
        frame.V.AsSpan().Fill(128);
        painter.Paint(frame);
        Assert.Equal((10, 0, 20, 20), painter.Picture);
        Assert.All(fb.Bytes.AsSpan(0, 40 * 4 * 20).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal((0, 0, 0), PixelAt(fb, 9, 10));
        Assert.Equal((255, 255, 255), PixelAt(fb, 10, 10));
        Assert.Equal((255, 255, 255), PixelAt(fb, 29, 19));
        Assert.Equal((0, 0, 0), PixelAt(fb, 30, 0));
        painter.Clear();
        Assert.Equal((0, 0, 0), PixelAt(fb, 20, 10));
    }

    [Fact]
    public void An_xbgr_screen_gets_its_channels_where_the_driver_says_and_alpha_set()
    {
        var format = SimulatedFramebuffer.Xrgb8888 with { Red = new(0, 8), Blue = new(16, 8), Transp = new(24, 8) };
        using var fb = SimulatedFramebuffer.Create(8, 8, format);
        var frame = new YuvFrame(8, 8, ColorRange.Full);
        ColorConvert.RgbToYuv(Enumerable.Repeat(new byte[] { 250, 10, 10 }, 64).SelectMany(p => p).ToArray(), 8, 8, frame);
        new LetterboxPainter(fb).Paint(frame);
        uint p = BinaryPrimitives.ReadUInt32LittleEndian(fb.Bytes);
        Assert.Equal(0xFFu, p >> 24);
        Assert.InRange((int)(p & 0xFF), 245, 255);
        Assert.InRange((int)(p >> 16 & 0xFF), 0, 16);
    }

    [Theory]
    [InlineData(24, 8, 8, 8, "unsupported pixel format")]
    [InlineData(8, 3, 3, 2, "unsupported pixel format")]
    [InlineData(16, 5, 5, 5, "unsupported pixel format")]
    public void Other_formats_are_refused_saying_what_they_are(uint bpp, uint r, uint g, uint b, string reason)
    {
        var format = new FbVarScreenInfo { BitsPerPixel = bpp, Red = new(16, r), Green = new(8, g), Blue = new(0, b) };
        using var fb = SimulatedFramebuffer.Create(8, 8, format);
        var e = Assert.Throws<NotSupportedException>(() => new LetterboxPainter(fb));
        Assert.Contains(reason, e.Message);
        Assert.Contains($"{bpp} bpp", e.Message);
        Assert.Contains("supported: RGB565 and XRGB8888", e.Message);

        var gray = SimulatedFramebuffer.Xrgb8888 with { Grayscale = 1 };
        using var grayFb = SimulatedFramebuffer.Create(8, 8, gray);
        Assert.Contains("grayscale", Assert.Throws<NotSupportedException>(() => new LetterboxPainter(grayFb)).Message);
    }

    [Fact]
    public void Drawing_a_frame_of_a_size_seen_before_allocates_nothing()
    {
        using var fb = SimulatedFramebuffer.Create(64, 48, SimulatedFramebuffer.Rgb565);
        var painter = new LetterboxPainter(fb);
        var frame = Quadrants(ColorRange.Limited);
        Assert.Equal(0, Allocations.Steady(() => painter.Paint(frame), 20));
    }

    [Theory]
    [InlineData(1280, 720, 1920, 1080, 0, 0, 1920, 1080)]
    [InlineData(1280, 720, 800, 480, 0, 15, 800, 450)]
    [InlineData(640, 480, 1920, 1080, 240, 0, 1440, 1080)]
    [InlineData(1280, 720, 1280, 1024, 0, 152, 1280, 720)]
    public void Fits_keeping_the_aspect(int w, int h, int sw, int sh, int x, int y, int fw, int fh) =>
        Assert.Equal((x, y, fw, fh), LetterboxPainter.Fit(w, h, sw, sh));

    [Fact]
    public void The_real_device_says_why_it_cannot_be_used()
    {
        var missing = Assert.Throws<IOException>(() => FramebufferSink.Open("/dev/fb-not-here"));
        Assert.StartsWith("cannot open /dev/fb-not-here: ", missing.Message);
        // A character device that answers no framebuffer ioctl.
        var notFb = Assert.Throws<IOException>(() => FramebufferSink.Open("/dev/null"));
        Assert.StartsWith("/dev/null is not a framebuffer", notFb.Message);
    }
}

public class FramebufferSinkTests
{
    [Fact]
    public void The_sink_shows_pipeline_frames_and_blanks_the_screen_at_stop()
    {
        var fb = SimulatedFramebuffer.Create(320, 200, SimulatedFramebuffer.Xrgb8888);
        var sink = new FramebufferSink(fb);
        Assert.Equal("simulated 320x200x32 320x200 XRGB8888, line length 1280", sink.Describe());
        // 64x48 upscaled to 256x192 fits 320x200 as 267x200 (4:3), bars left and right.
        using (var run = new Sinks.RunningPipeline(64, 48, 60, sink))
        {
            var deadline = System.Diagnostics.Stopwatch.StartNew();
            while (BinaryPrimitives.ReadUInt32LittleEndian(fb.Bytes.AsSpan((100 * 320 + 160) * 4)) == 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
                Thread.Sleep(10);
            Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32LittleEndian(fb.Bytes.AsSpan((100 * 320 + 160) * 4)));
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(fb.Bytes.AsSpan((100 * 320 + 10) * 4)));
            run.Stop();
        }
        Assert.All(fb.Bytes, b => Assert.Equal(0, b));
    }
}
