using ClassSR.Edge.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.Imaging;

public class ColorConvertTests
{
    [Theory]
    [InlineData(ColorRange.Limited, 0, 0, 0, 16, 128, 128)]
    [InlineData(ColorRange.Limited, 255, 255, 255, 235, 128, 128)]
    [InlineData(ColorRange.Limited, 255, 0, 0, 81, 90, 240)]
    [InlineData(ColorRange.Limited, 0, 0, 255, 41, 240, 110)]
    [InlineData(ColorRange.Full, 0, 0, 0, 0, 128, 128)]
    [InlineData(ColorRange.Full, 255, 255, 255, 255, 128, 128)]
    [InlineData(ColorRange.Full, 255, 0, 0, 76, 85, 255)]
    [InlineData(ColorRange.Full, 0, 255, 0, 150, 44, 21)]
    public void Known_colours(ColorRange range, byte r, byte g, byte b, byte y, byte u, byte v)
    {
        var rgb = new byte[3 * 4];
        for (int i = 0; i < 4; i++)
        {
            rgb[3 * i] = r;
            rgb[3 * i + 1] = g;
            rgb[3 * i + 2] = b;
        }
        var frame = new YuvFrame(2, 2, range);
        ColorConvert.RgbToYuv(rgb, 2, 2, frame);
        Assert.All(frame.Y, value => Assert.Equal(y, value));
        Assert.Equal(u, frame.U[0]);
        Assert.Equal(v, frame.V[0]);
    }

    [Theory]
    [InlineData(ColorRange.Limited, 3)] // limited expands code values by 255/219 and 255/224, so rounding grows
    [InlineData(ColorRange.Full, 2)]
    public void Round_trip_is_within_quantisation_when_chroma_is_flat_per_block(ColorRange range, int tolerance)
    {
        // Every 2x2 block is one colour, so subsampling loses nothing and only rounding remains.
        const int w = 96, h = 64;
        byte[] small = TestImages.Synthetic(w / 2, h / 2);
        var rgb = new byte[3 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                small.AsSpan(3 * ((y / 2) * (w / 2) + x / 2), 3).CopyTo(rgb.AsSpan(3 * (y * w + x)));

        var frame = new YuvFrame(w, h, range);
        ColorConvert.RgbToYuv(rgb, w, h, frame);
        var back = new byte[rgb.Length];
        ColorConvert.YuvToRgb(frame, back);

        long sum = 0;
        int worst = 0;
        for (int i = 0; i < rgb.Length; i++)
        {
            int d = Math.Abs(rgb[i] - back[i]);
            worst = Math.Max(worst, d);
            sum += d;
        }
        Assert.True(worst <= tolerance, $"max error {worst}");
        Assert.True(sum / (double)rgb.Length < 0.75, $"mean error {sum / (double)rgb.Length}");
    }

    [Theory]
    [InlineData(ColorRange.Limited, 97, 61)]
    [InlineData(ColorRange.Full, 96, 64)]
    public void Round_trip_of_natural_content_keeps_high_psnr(ColorRange range, int w, int h)
    {
        byte[] rgb = TestImages.Synthetic(w, h, edges: false);
        var frame = new YuvFrame(w, h, range);
        ColorConvert.RgbToYuv(rgb, w, h, frame);

        var nearest = new byte[rgb.Length];
        var bilinear = new byte[rgb.Length];
        ColorConvert.YuvToRgb(frame, nearest, ChromaUpsampling.Nearest);
        ColorConvert.YuvToRgb(frame, bilinear, ChromaUpsampling.Bilinear);

        double pNearest = Metrics.Psnr(rgb, nearest), pBilinear = Metrics.Psnr(rgb, bilinear);
        Assert.True(pNearest > 35, $"nearest {pNearest:F2} dB");
        Assert.True(pBilinear > pNearest, $"bilinear {pBilinear:F2} dB not above nearest {pNearest:F2} dB on smooth content");

        // Luma alone survives almost exactly: that is what the SR model sees.
        var luma = new double[w * h];
        ColorConvert.RgbToYFloat(rgb, w, h, luma);
        var lumaBack = new double[w * h];
        ColorConvert.RgbToYFloat(nearest, w, h, lumaBack);
        Assert.True(Metrics.PsnrY(luma, lumaBack, w, h, 0) > 40);
    }

    [Fact]
    public void Bilinear_upsampling_of_flat_chroma_is_flat()
    {
        var frame = new YuvFrame(9, 7);
        Array.Fill(frame.Y, (byte)120);
        Array.Fill(frame.U, (byte)90);
        Array.Fill(frame.V, (byte)170);
        var a = new byte[3 * 9 * 7];
        var b = new byte[a.Length];
        ColorConvert.YuvToRgb(frame, a, ChromaUpsampling.Nearest);
        ColorConvert.YuvToRgb(frame, b, ChromaUpsampling.Bilinear);
        Assert.Equal(a, b);
        for (int i = 3; i < a.Length; i++)
            Assert.Equal(a[i % 3], a[i]);
    }

    [Fact]
    public void Bilinear_weights_near_chroma_sample_three_to_one()
    {
        // Two chroma columns 0 and 160 (luma 4 wide): luma columns 1 and 2 sit a quarter of the way between.
        var frame = new YuvFrame(4, 2, ColorRange.Full);
        Array.Fill(frame.Y, (byte)128);
        frame.U[0] = 128; frame.U[1] = 128;
        frame.V[0] = 0; frame.V[1] = 160;
        var rgb = new byte[3 * 8];
        ColorConvert.YuvToRgb(frame, rgb, ChromaUpsampling.Bilinear);
        // Cr per column: 0, 40, 120, 160  ->  R = 128 + 1.402 (Cr - 128)
        int[] cr = [0, 40, 120, 160];
        for (int x = 0; x < 4; x++)
            Assert.Equal(Math.Clamp(128 + 1.402 * (cr[x] - 128), 0, 255), (double)rgb[3 * x], 1.0);
    }

    [Fact]
    public void Full_resolution_chroma_matches_nearest_i420()
    {
        const int w = 11, h = 9;
        byte[] rgb = TestImages.Synthetic(w, h);
        var frame = new YuvFrame(w, h);
        ColorConvert.RgbToYuv(rgb, w, h, frame);
        var u = new byte[w * h];
        var v = new byte[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                u[y * w + x] = frame.U[(y / 2) * frame.ChromaWidth + x / 2];
                v[y * w + x] = frame.V[(y / 2) * frame.ChromaWidth + x / 2];
            }
        }
        var expected = new byte[3 * w * h];
        var actual = new byte[3 * w * h];
        ColorConvert.YuvToRgb(frame, expected);
        ColorConvert.YuvToRgb(frame.Y, u, v, w, h, ColorRange.Limited, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Chroma_is_the_mean_of_its_block_at_odd_edges()
    {
        // 3x3: the right column and bottom row have chroma blocks of 2 and 1 pixels.
        const int w = 3, h = 3;
        var rgb = new byte[3 * w * h];
        byte[] blues = [0, 40, 80, 120, 160, 200, 220, 240, 255];
        for (int i = 0; i < 9; i++)
            rgb[3 * i + 2] = blues[i];
        var frame = new YuvFrame(w, h, ColorRange.Full);
        ColorConvert.RgbToYuv(rgb, w, h, frame);
        static byte Cb(double blue) => (byte)Math.Clamp(Math.Round(128 + 0.5 * blue, MidpointRounding.AwayFromZero), 0, 255);
        Assert.Equal(Cb((0 + 40 + 120 + 160) / 4.0), frame.U[0]);
        Assert.Equal(Cb((80 + 200) / 2.0), frame.U[1]);
        Assert.Equal(Cb((220 + 240) / 2.0), frame.U[2]);
        Assert.Equal(Cb(255), frame.U[3]);
    }

    [Fact]
    public void RgbToYFloat_is_the_unrounded_field_formula()
    {
        byte[] rgb = [0, 0, 0, 255, 255, 255, 10, 200, 30, 255, 0, 0];
        var y = new double[4];
        ColorConvert.RgbToYFloat(rgb, 2, 2, y);
        Assert.Equal(16.0, y[0], 10);
        Assert.Equal(235.0, y[1], 10);
        Assert.Equal(16 + (65.481 * 10 + 128.553 * 200 + 24.966 * 30) / 255, y[2], 10);
        Assert.Equal(16 + 65.481, y[3], 10);
    }

    [Fact]
    public void ConvertRange_maps_end_points_and_round_trips()
    {
        var frame = new YuvFrame(16, 16);
        for (int i = 0; i < frame.Y.Length; i++)
            frame.Y[i] = (byte)(16 + i % 220);
        for (int i = 0; i < frame.U.Length; i++)
            frame.U[i] = frame.V[i] = (byte)(16 + 3 * i);
        var original = new YuvFrame(16, 16);
        frame.CopyTo(original);

        ColorConvert.ConvertRange(frame, ColorRange.Full);
        Assert.Equal(ColorRange.Full, frame.Range);
        Assert.Equal(0, frame.Y[0]);
        Assert.Equal(255, frame.Y[219]);
        for (int i = 0; i < frame.U.Length; i++)
            Assert.Equal((original.U[i] - 128) * 255.0 / 224 + 128, frame.U[i], 0.5 + 1e-9);

        ColorConvert.ConvertRange(frame, ColorRange.Limited);
        Assert.Equal(ColorRange.Limited, frame.Range);
        for (int i = 0; i < frame.Y.Length; i++)
            Assert.Equal(original.Y[i], frame.Y[i]); // limited -> full -> limited is lossless for luma
        for (int i = 0; i < frame.U.Length; i++)
            Assert.InRange(frame.U[i] - original.U[i], -1, 1);
    }

    [Fact]
    public void Conversions_allocate_nothing()
    {
        const int w = 64, h = 48;
        byte[] rgb = TestImages.Synthetic(w, h);
        var frame = new YuvFrame(w, h);
        var back = new byte[rgb.Length];
        Assert.Equal(0, Allocations.Steady(() =>
        {
            ColorConvert.RgbToYuv(rgb, w, h, frame);
            ColorConvert.YuvToRgb(frame, back);
            ColorConvert.YuvToRgb(frame, back, ChromaUpsampling.Bilinear);
            ColorConvert.ConvertRange(frame, ColorRange.Full);
            ColorConvert.ConvertRange(frame, ColorRange.Limited);
        }));
    }

    [Fact]
    public void Rejects_mismatched_sizes()
    {
        Assert.Throws<ArgumentException>(() => ColorConvert.RgbToYuv(new byte[3 * 4 * 4], 4, 4, new YuvFrame(4, 2)));
        Assert.Throws<ArgumentException>(() => ColorConvert.RgbToYuv(new byte[3 * 4 * 4 - 1], 4, 4, new YuvFrame(4, 4)));
        Assert.Throws<ArgumentException>(() => ColorConvert.YuvToRgb(new YuvFrame(4, 4), new byte[10]));
    }
}
