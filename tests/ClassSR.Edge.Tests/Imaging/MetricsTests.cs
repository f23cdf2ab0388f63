using ClassSR.Edge.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.Imaging;

public class MetricsTests
{
    private const int W = 48, H = 40;

    [Fact]
    public void Identical_images_give_infinite_psnr_and_unit_ssim()
    {
        double[] a = Luma(1);
        Assert.Equal(double.PositiveInfinity, Metrics.PsnrY(a, a, W, H));
        Assert.Equal(1.0, Metrics.SsimY(a, a, W, H), 12);
        byte[] b = Array.ConvertAll(a, v => (byte)Math.Round(v));
        Assert.Equal(double.PositiveInfinity, Metrics.PsnrY(b, b, W, H));
        Assert.Equal(1.0, Metrics.SsimY(b, b, W, H), 12);
    }

    [Fact]
    public void Psnr_of_a_known_mse()
    {
        // Offset by 5 everywhere: MSE 25, PSNR = 10 log10(255^2 / 25) = 34.151 dB.
        double[] a = Luma(2);
        double[] b = Array.ConvertAll(a, v => v + 5);
        Assert.Equal(34.1514, Metrics.PsnrY(a, b, W, H), 3);

        // Only the crop border differs: the cropped PSNR must not see it.
        double[] c = (double[])a.Clone();
        for (int x = 0; x < W; x++)
            c[x] += 100;
        Assert.Equal(double.PositiveInfinity, Metrics.PsnrY(a, c, W, H, crop: 4));
        Assert.True(Metrics.PsnrY(a, c, W, H, crop: 0) < 30);

        byte[] ba = new byte[W * H], bb = new byte[W * H];
        for (int i = 0; i < ba.Length; i++)
        {
            ba[i] = (byte)(10 + i % 200);
            bb[i] = (byte)(ba[i] + ((i & 1) == 0 ? 3 : -3)); // MSE 9 -> 38.588 dB
        }
        Assert.Equal(10 * Math.Log10(255.0 * 255 / 9), Metrics.PsnrY(ba, bb, W, H, 0), 9);
        Assert.Equal(10 * Math.Log10(255.0 * 255 / 9), Metrics.Psnr(ba, bb), 9);
    }

    [Fact]
    public void Ssim_drops_as_noise_grows()
    {
        double[] a = Luma(3);
        double previous = 1.0;
        foreach (double sigma in new[] { 2.0, 8.0, 25.0 })
        {
            double[] noisy = Noisy(a, sigma, 11);
            double ssim = Metrics.SsimY(a, noisy, W, H);
            Assert.True(ssim < previous, $"SSIM {ssim} with sigma {sigma} not below {previous}");
            Assert.InRange(ssim, 0.0, 0.9999);
            previous = ssim;
        }
        Assert.True(previous < 0.6, $"heavy noise SSIM {previous}");
    }

    [Fact]
    public void Ssim_ignores_a_uniform_brightness_shift_more_than_psnr_does()
    {
        // Structure term is shift-invariant; only the luminance term moves, and it barely does at mid-grey.
        double[] a = Luma(4);
        double[] shifted = Array.ConvertAll(a, v => v + 3);
        Assert.True(Metrics.SsimY(a, shifted, W, H) > 0.99);
        Assert.True(Metrics.PsnrY(a, shifted, W, H) < 40);
    }

    [Fact]
    public void Ssim_of_a_constant_pair_follows_the_formula()
    {
        // Flat images: sigma terms vanish, SSIM = (2 m1 m2 + C1) / (m1^2 + m2^2 + C1).
        double[] a = new double[W * H], b = new double[W * H];
        Array.Fill(a, 100);
        Array.Fill(b, 120);
        double c1 = Math.Pow(0.01 * 255, 2);
        Assert.Equal((2 * 100 * 120 + c1) / (100 * 100 + 120 * 120 + c1), Metrics.SsimY(a, b, W, H), 9);
    }

    [Fact]
    public void Rejects_regions_smaller_than_the_window()
    {
        var tiny = new double[18 * 18];
        Assert.Throws<ArgumentException>(() => Metrics.SsimY(tiny, tiny, 18, 18, crop: 4));
        Assert.Equal(1.0, Metrics.SsimY(tiny, tiny, 18, 18, crop: 3), 12);
        Assert.Throws<ArgumentException>(() => Metrics.PsnrY(tiny, tiny, 18, 18, crop: 9));
    }

    private static double[] Luma(int seed)
    {
        byte[] rgb = TestImages.Synthetic(W, H, seed);
        var y = new double[W * H];
        ColorConvert.RgbToYFloat(rgb, W, H, y);
        return y;
    }

    private static double[] Noisy(double[] a, double sigma, int seed)
    {
        var rng = new Random(seed);
        return Array.ConvertAll(a, v =>
        {
            double g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            return v + sigma * g;
        });
    }
}
