using ClassSR.Edge.Engine;
using ClassSR.Edge.Evaluation;
using Xunit;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Evaluation;

/// <summary>eval --degrade: the LR as cameras deliver it, the same for every run and every mode.</summary>
public class DegradationTests
{
    [Theory]
    [InlineData("none", "none")]
    [InlineData("jpeg:75", "jpeg:75")]
    [InlineData("noise:3", "noise:3")]
    [InlineData("noise:2.5", "noise:2.5")]
    public void Parses_its_forms(string text, string shown) => Assert.Equal(shown, Degradation.Parse(text).ToString());

    [Theory]
    [InlineData("jpeg")]
    [InlineData("jpeg:0")]
    [InlineData("jpeg:101")]
    [InlineData("noise:0")]
    [InlineData("noise:x")]
    [InlineData("blur:2")]
    public void Refuses_anything_else(string text) =>
        Assert.Contains("is not none, jpeg:Q", Assert.Throws<FormatException>(() => Degradation.Parse(text)).Message);

    [Fact]
    public void Noise_has_the_asked_sigma_and_the_same_seed_for_the_same_image()
    {
        const int W = 64, H = 64;
        byte[] Grey() => Enumerable.Repeat((byte)128, W * H * 3).ToArray();
        var noise = Degradation.Parse("noise:3");
        byte[] a = Grey(), b = Grey(), c = Grey();
        noise.Apply(a, W, H, "img_001.png");
        noise.Apply(b, W, H, "img_001.png");
        noise.Apply(c, W, H, "img_002.png");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        double sd = Math.Sqrt(a.Average(v => (v - 128.0) * (v - 128.0)));
        Assert.InRange(sd, 2.7, 3.3); // rounding to code values adds 1/12 to the variance
    }

    [Fact]
    public void Jpeg_lr_is_what_an_mjpeg_camera_gives_and_costs_bicubic_quality()
    {
        string dir = TestImages.TemporaryDirectory();
        TestImages.SyntheticPng(dir, 256, 192, seed: 3);
        using var up = new Upscaler(TestModels.Quick(), new EngineOptions { Mode = UpscaleMode.Bicubic, Threads = 1 });
        var clean = Evaluator.Run(up, dir, null);
        var jpeg = Evaluator.Run(up, dir, null, degrade: Degradation.Parse("jpeg:50"));
        var worse = Evaluator.Run(up, dir, null, degrade: Degradation.Parse("jpeg:10"));
        var again = Evaluator.Run(up, dir, null, degrade: Degradation.Parse("jpeg:50"));
        Assert.Equal("jpeg:50", jpeg.Degrade);
        // Lower quality, more loss; the same quality, the same figure.
        Assert.True(jpeg.Mean.Psnr < clean.Mean.Psnr, $"{jpeg.Mean.Psnr} against {clean.Mean.Psnr} clean");
        Assert.True(worse.Mean.Psnr < jpeg.Mean.Psnr - 0.2, $"q10 {worse.Mean.Psnr} against q50 {jpeg.Mean.Psnr}");
        Assert.Equal(jpeg.Mean.Psnr, again.Mean.Psnr);
    }
}
