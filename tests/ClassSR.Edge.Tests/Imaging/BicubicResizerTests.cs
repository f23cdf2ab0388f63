using ClassSR.Edge.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace ClassSR.Edge.Tests.Imaging;

public class BicubicResizerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(37, 23, 1)]
    [InlineData(16, 9, 3)]
    [InlineData(1, 1, 1)]
    public void Identity_resize_is_exact(int w, int h, int channels)
    {
        byte[] src = Random(w * h * channels, 1);
        var dst = new byte[src.Length];
        var resizer = new BicubicResizer(w, h, w, h, channels);
        resizer.Resize(src, w * channels, dst, w * channels);
        Assert.Equal(src, dst);
        Assert.Equal(1, resizer.HorizontalTaps);
        Assert.Equal(1, resizer.VerticalTaps);

        float[] fsrc = Array.ConvertAll(src, b => b / 3f);
        var fdst = new float[fsrc.Length];
        resizer.Resize(fsrc, w * channels, fdst, w * channels);
        Assert.Equal(fsrc, fdst);
    }

    [Theory]
    [InlineData(20, 15, 80, 60)]
    [InlineData(1, 1, 4, 4)]
    [InlineData(3, 2, 12, 8)]
    [InlineData(80, 60, 20, 15)]
    [InlineData(50, 30, 33, 71)]
    public void Constant_plane_stays_constant(int sw, int sh, int dw, int dh)
    {
        var src = new byte[sw * sh];
        Array.Fill(src, (byte)77);
        var dst = new byte[dw * dh];
        var resizer = new BicubicResizer(sw, sh, dw, dh);
        resizer.Resize(src, sw, dst, dw);
        Assert.All(dst, v => Assert.Equal(77, v));

        var fsrc = new float[sw * sh];
        Array.Fill(fsrc, 0.3f);
        var fdst = new float[dw * dh];
        resizer.Resize(fsrc, sw, fdst, dw);
        Assert.All(fdst, v => Assert.Equal(0.3f, v, 1e-5f));
    }

    [Fact]
    public void Taps_match_kernel_support()
    {
        // Keys cubic spans 4 samples; antialiased x1/4 stretches it to 16.
        var up = new BicubicResizer(40, 30, 160, 120);
        Assert.Equal((4, 4), (up.HorizontalTaps, up.VerticalTaps));
        var down = new BicubicResizer(160, 120, 40, 30);
        Assert.Equal((16, 16), (down.HorizontalTaps, down.VerticalTaps));
    }

    [Fact]
    public void Upscale_interpolates_a_linear_ramp_exactly_inside()
    {
        // The cubic reproduces linear functions, so away from the mirrored borders a ramp stays a ramp.
        const int sw = 32, dw = 128;
        var src = new float[sw];
        for (int x = 0; x < sw; x++)
            src[x] = 10 * x;
        var dst = new float[dw];
        new BicubicResizer(sw, 1, dw, 1).Resize(src, sw, dst, dw);
        for (int x = 8; x < dw - 8; x++)
        {
            double u = (x + 1) / 4.0 + 0.5 * (1 - 1 / 4.0) - 1; // MATLAB's output-to-input mapping, 0-based
            Assert.Equal(10 * u, dst[x], 1e-3);
        }
    }

    // Single planes take the vectorized block path, interleaved pixels the per-tap scalar path: two independent
    // implementations of one table, which must agree everywhere, mirrored borders and tiny sources included.
    [Theory]
    [InlineData(41, 29, 10, 7)]
    [InlineData(40, 30, 160, 120)]
    [InlineData(37, 23, 148, 92)]
    [InlineData(1, 5, 4, 20)]
    [InlineData(2, 3, 8, 12)]
    [InlineData(3, 3, 1, 1)]
    [InlineData(50, 30, 33, 71)]
    [InlineData(13, 9, 200, 5)]
    public void Interleaved_channels_match_separate_planes(int sw, int sh, int dw, int dh)
    {
        byte[] rgb = TestImages.Synthetic(sw, sh);
        float[] rgbF = Array.ConvertAll(rgb, b => (float)b);
        var interleaved = new float[3 * dw * dh];
        new BicubicResizer(sw, sh, dw, dh, 3).Resize(rgbF, 3 * sw, interleaved, 3 * dw);

        var planar = new BicubicResizer(sw, sh, dw, dh);
        var plane = new float[sw * sh];
        var small = new float[dw * dh];
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < plane.Length; i++)
                plane[i] = rgbF[3 * i + c];
            planar.Resize(plane, sw, small, dw);
            for (int i = 0; i < small.Length; i++)
                Assert.Equal(interleaved[3 * i + c], small[i], 2e-3f);
        }
    }

    [Theory]
    [InlineData(64, 48, 256, 192)]
    [InlineData(256, 192, 64, 48)]
    [InlineData(45, 31, 100, 77)]
    public void Byte_path_is_the_float_path_rounded_and_clamped(int sw, int sh, int dw, int dh)
    {
        byte[] src = Random(sw * sh, 7);
        var resizer = new BicubicResizer(sw, sh, dw, dh);
        var bytes = new byte[dw * dh];
        resizer.Resize(src, sw, bytes, dw);
        var floats = new float[dw * dh];
        resizer.Resize(Array.ConvertAll(src, b => (float)b), sw, floats, dw);

        bool overshoot = false;
        for (int i = 0; i < bytes.Length; i++)
        {
            float f = floats[i];
            overshoot |= f < 0 || f > 255;
            Assert.Equal(f <= 0 ? 0 : f >= 255 ? 255 : (int)(f + 0.5f), bytes[i]);
        }
        Assert.True(overshoot || dw < sw, "random noise upscaled by a cubic should overshoot somewhere");
    }

    [Fact]
    public void Strides_select_a_sub_image()
    {
        const int sw = 20, sh = 12, dw = 9, dh = 5, pad = 7;
        byte[] tight = Random(sw * sh, 3);
        var padded = new byte[(sw + pad) * sh];
        for (int y = 0; y < sh; y++)
            tight.AsSpan(y * sw, sw).CopyTo(padded.AsSpan(y * (sw + pad)));

        var resizer = new BicubicResizer(sw, sh, dw, dh);
        var expected = new byte[dw * dh];
        resizer.Resize(tight, sw, expected, dw);
        var actual = new byte[(dw + pad) * dh];
        resizer.Resize(padded, sw + pad, actual, dw + pad);
        for (int y = 0; y < dh; y++)
            Assert.Equal(expected.AsSpan(y * dw, dw).ToArray(), actual.AsSpan(y * (dw + pad), dw).ToArray());
    }

    [Fact]
    public void Rejects_short_buffers_and_strides()
    {
        var resizer = new BicubicResizer(8, 8, 4, 4);
        Assert.Throws<ArgumentException>(() => resizer.Resize(new byte[63], 8, new byte[16], 4));
        Assert.Throws<ArgumentException>(() => resizer.Resize(new byte[64], 8, new byte[15], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => resizer.Resize(new byte[64], 7, new byte[16], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BicubicResizer(0, 8, 4, 4));
    }

    [Fact]
    public void Resize_allocates_nothing()
    {
        var up = new BicubicResizer(90, 60, 360, 240);
        var down = new BicubicResizer(360, 240, 90, 60, 3);
        var small = Random(90 * 60, 5);
        var big = new byte[360 * 240];
        var bigRgb = Random(360 * 240 * 3, 6);
        var smallRgb = new byte[90 * 60 * 3];
        var fsmall = new float[90 * 60];
        var fbig = new float[360 * 240];
        Assert.Equal(0, Allocations.Steady(() =>
        {
            up.Resize(small, 90, big, 360);
            up.Resize(fsmall, 90, fbig, 360);
            down.Resize(bigRgb, 360 * 3, smallRgb, 90 * 3);
        }));
    }

    /// <summary>
    /// Our x1/4 LR against MATLAB imresize's (the SelfExSR benchmark's reference_lr_x4). If this fails, PSNR
    /// figures computed on our LR are not comparable with published ones.
    /// </summary>
    [SharedDataFact("the test sets and their reference LR")]
    public void Downscale_matches_matlab_reference_lr_x4()
    {
        string hrRoot = TestImages.SharedFolder("datasets/test");
        string lrRoot = TestImages.SharedFolder("datasets/test/reference_lr_x4");
        var results = new List<(string Name, double Psnr)>();

        foreach (string set in new[] { "Set5", "Set14", "B100" })
        {
            string[] files = Directory.GetFiles(Path.Combine(hrRoot, set), "*.png");
            Assert.True(files.Length > 0, $"no PNGs in {Path.Combine(hrRoot, set)}");
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string hrPath in files)
            {
                string name = Path.GetFileName(hrPath);
                string lrPath = Path.Combine(lrRoot, set, name);
                Assert.True(File.Exists(lrPath), $"reference LR '{lrPath}' is missing");

                var (hr, w, h) = ImageFile.Load(hrPath);
                int cw = w - w % 4, ch = h - h % 4;
                byte[] ours = DownscaleRgbByPlanes(hr, w, cw, ch, cw / 4, ch / 4);

                var (reference, rw, rh) = ImageFile.Load(lrPath); // grayscale (bridge.png) loads as RGB too
                Assert.True((rw, rh) == (cw / 4, ch / 4), $"{set}/{name}: reference is {rw}x{rh}, ours {cw / 4}x{ch / 4}");
                results.Add(($"{set}/{name}", Metrics.Psnr(ours, reference)));
            }
        }

        double min = results.Min(r => r.Psnr), mean = results.Average(r => Math.Min(r.Psnr, 100));
        var worst = results.MinBy(r => r.Psnr);
        output.WriteLine($"bicubic x1/4 vs MATLAB reference: {results.Count} images, RGB PSNR min {min:F2} dB ({worst.Name}), mean {mean:F2} dB (inf capped at 100)");
        Console.WriteLine($"[imaging] bicubic x1/4 vs MATLAB reference: {results.Count} images, RGB PSNR min {min:F2} dB ({worst.Name}), mean {mean:F2} dB");
        Assert.Equal(5 + 14 + 100, results.Count);
        var failing = results.Where(r => r.Psnr < 45).Select(r => $"{r.Name} {r.Psnr:F2} dB").ToList();
        Assert.True(failing.Count == 0, "below 45 dB: " + string.Join(", ", failing));
    }

    [Theory]
    [InlineData(37, 23, 148, 92, 0, 92)]
    [InlineData(37, 23, 148, 92, 5, 17)]
    [InlineData(37, 23, 148, 92, 88, 92)]
    [InlineData(16, 9, 64, 36, 0, 1)]
    public void A_band_of_rows_equals_those_rows_of_the_whole_resize(int sw, int sh, int dw, int dh, int r0, int r1)
    {
        byte[] src = Random(sw * sh, 4);
        var whole = new byte[dw * dh];
        var resizer = new BicubicResizer(sw, sh, dw, dh);
        resizer.Resize(src, sw, whole, dw);
        var band = new byte[dw * dh];
        Array.Fill(band, (byte)7);
        resizer.ResizeRows(src, sw, band, dw, r0, r1);
        for (int y = 0; y < dh; y++)
            for (int x = 0; x < dw; x++)
                Assert.Equal(y >= r0 && y < r1 ? whole[y * dw + x] : 7, band[y * dw + x]);
    }

    private static byte[] DownscaleRgbByPlanes(byte[] rgb, int stride, int w, int h, int dw, int dh)
    {
        var resizer = new BicubicResizer(w, h, dw, dh);
        var plane = new byte[w * h];
        var small = new byte[dw * dh];
        var result = new byte[3 * dw * dh];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    plane[y * w + x] = rgb[3 * (y * stride + x) + c];
            resizer.Resize(plane, w, small, dw);
            for (int i = 0; i < small.Length; i++)
                result[3 * i + c] = small[i];
        }
        return result;
    }

    private static byte[] Random(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
