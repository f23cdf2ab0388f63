using ClassSR.Edge.Bench;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.Bench;

[Collection(BenchCollection.Name)]
public class EngineBenchTests
{
    /// <summary>Five different pictures, bigger than a mosaic's 320x240 crop, saved as PNG.</summary>
    static string Pictures(string dir)
    {
        for (int i = 0; i < 5; i++)
            ImageFile.Save(Path.Combine(dir, $"p{i}.png"), TestImages.Synthetic(360, 260, seed: 11 * i), 360, 260);
        return dir;
    }

    [Fact]
    public void A_mosaic_is_twelve_centre_crops_with_its_input_downscaled_by_the_scale()
    {
        using var tmp = new TempDir();
        var frames = BenchFrames.Mosaic(Pictures(tmp.Path), 2, 4);

        Assert.Equal(2, frames.Input.Length);
        Assert.Equal((320, 180), (frames.Input[0].Width, frames.Input[0].Height));
        Assert.Equal((1280, 720), (frames.Truth![0].Width, frames.Truth[0].Height));
        // Cell (1, 0) of the first frame is the second picture's centre crop; its luma is the reference PSNR compares with.
        var (rgb, w, _) = ImageFile.Load(Path.Combine(tmp.Path, "p1.png"));
        var crop = new byte[320 * 240 * 3];
        for (int y = 0; y < 240; y++)
            rgb.AsSpan(((10 + y) * w + 20) * 3, 320 * 3).CopyTo(crop.AsSpan(y * 320 * 3));
        var expected = new double[320 * 240];
        ColorConvert.RgbToYFloat(crop, 320, 240, expected);
        for (int y = 0; y < 240; y++)
            for (int x = 0; x < 320; x++)
                Assert.Equal(expected[y * 320 + x], frames.TruthLuma![0][y * 1280 + 320 + x]);
        // The second frame goes on through the list (12 cells from the 13th picture on, modulo 5): not the first frame again.
        Assert.NotEqual(frames.TruthLuma![0], frames.TruthLuma[1]);
        Assert.Equal(320 * 180 * 3, frames.InputRgb![0].Length);
    }

    [Fact]
    public void Modes_take_turns_and_the_summary_is_their_ratios()
    {
        using var tmp = new TempDir();
        var frames = BenchFrames.Mosaic(Pictures(tmp.Path), 2, 4);
        var set = TestModels.Quick();
        var modes = BenchMode.All.Where(m => m.Name is "bicubic" or "large-fp32" or "large-int8" or "classsr-int8").ToList();
        var runs = modes.Select(m =>
        {
            var o = m.Options(2);
            o.MeasureCosts = false;
            return EngineBench.Warm(m.Name, new Upscaler(set, o), frames);
        }).ToList();
        for (int round = 0; round < 3; round++)
            foreach (var run in runs)
                EngineBench.Round(run, frames, 0.05);
        var results = runs.Select(EngineBench.Finish).ToList();
        foreach (var run in runs) run.Up.Dispose();

        var byName = results.ToDictionary(r => r.Name);
        Assert.Equal("none", byName["bicubic"].Precision);
        Assert.Equal("int8", byName["large-int8"].Precision);
        Assert.Equal(0, byName["bicubic"].MacsRatio);
        // Every pixel through the large branch, halos on top; ClassSR routes some of it for less.
        Assert.True(byName["large-fp32"].MacsRatio >= 1.0, $"{byName["large-fp32"].MacsRatio}");
        Assert.True(byName["classsr-int8"].MacsRatio > 0);
        Assert.Equal(1.0, byName["classsr-int8"].Shares.Sum(), 3);
        foreach (var r in results)
        {
            Assert.True(r.Fps > 0 && Math.Abs(r.MsPerFrame - 1000 / r.Fps) < 1e-9, r.Name);
            Assert.True(r.Psnr is > 15 and < 60, $"{r.Name}: {r.Psnr} dB");
            Assert.Equal(["prepare", "classify", "plan", "branches+merge", "chroma", "total"], r.StageMs.Keys);
        }

        var peak = new GemmPeakResult { Size = 1024, Int8Gmacs = 100, Fp32Gmacs = 50 };
        var d = EngineBench.Summary(results, peak, peer: null);
        Assert.Equal(byName["classsr-int8"].Fps / byName["large-fp32"].Fps, d["classsr_int8_over_large_fp32_fps"], 12);
        Assert.Equal(byName["classsr-int8"].Psnr - byName["large-int8"].Psnr, d["classsr_minus_large_db"], 12);
        Assert.False(d.ContainsKey("classsr_int8_over_opencv_fps"));
        Assert.Empty(EngineBench.Summary(results.Where(r => r.Name != "large-int8").ToList(), peak, null));
    }

    [Fact]
    public void The_speed_row_raises_the_small_logit_and_the_every_frame_row_classifies_each_frame()
    {
        var speed = BenchMode.Speed(2).Options(1);
        Assert.Equal([2f, 0f, 0f], speed.ClassBias);
        Assert.Equal(EngineOptions.VideoReclassifyEvery, speed.ReclassifyEvery);
        Assert.Equal(1, BenchMode.EveryFrame.Options(1).ReclassifyEvery);
        Assert.All(BenchMode.All, m => Assert.Equal(EngineOptions.VideoReclassifyEvery, m.Options(1).ReclassifyEvery));
    }

    sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("classsr-enginebench-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
