using ClassSR.Edge.Engine;
using ClassSR.Edge.Evaluation;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Inference;
using ClassSR.Edge.Models;
using Xunit;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Engine;

public class UpscalerTests
{
    static YuvFrame Frame(int w, int h, int seed = 0) => TestImages.SyntheticFrame(w, h, seed);

    [SharedDataTheory("Set14")]
    [InlineData(Precision.Fp32)]
    [InlineData(Precision.Int8)]
    public void Tile_at_a_time_with_halos_matches_the_branch_on_the_whole_frame(Precision precision)
    {
        // ClassSR forced to the large branch, every 32x32 cell run on its own with its halo,
        // must give what the large branch gives on the whole frame: the merge adds no seams.
        var models = TestModels.Quick();
        using var tiled = new Upscaler(models, new EngineOptions
        {
            Mode = UpscaleMode.ClassSR, Precision = precision, ClassBias = [0, 0, 1e6f], MaxRegionCells = 1, Promote = false,
        });
        using var whole = new Upscaler(models, new EngineOptions { Mode = UpscaleMode.Large, Precision = precision });
        double dTiled = 0, dWhole = 0, minAgreement = double.PositiveInfinity;
        var files = Evaluator.ListImages(TestImages.SharedFolder("datasets/test/Set14"));
        foreach (var f in files)
        {
            var a = Evaluator.EvaluateOne(tiled, f, null);
            Assert.True(tiled.Stats.Regions == tiled.Stats.Cells && tiled.Stats.Cells > 1);
            var b = Evaluator.EvaluateOne(whole, f, null);
            dTiled += a.Psnr;
            dWhole += b.Psnr;
            Assert.True(a.MacsRatio > 1.0, "halos must be charged in the MACs");
        }
        double diff = Math.Abs(dTiled - dWhole) / files.Count;
        Assert.True(diff < 0.05, $"tile-at-a-time differs from whole frame by {diff:F4} dB on Set14");

        // And pixel for pixel on one frame.
        var lr = Frame(150, 97);
        var o1 = TestModels.Output(lr);
        var o2 = TestModels.Output(lr);
        tiled.Upscale(lr, o1);
        whole.Upscale(lr, o2);
        minAgreement = Metrics.Psnr(o1.Y, o2.Y);
        Assert.True(minAgreement >= 50, $"tiled vs whole-frame luma PSNR {minAgreement:F1} dB");
    }

    [Fact]
    public void Video_skips_the_classifier_only_while_the_plan_is_the_large_branch_whole()
    {
        var models = TestModels.Quick();
        var lr = Frame(150, 97);
        var first = TestModels.Output(lr);
        var hr = TestModels.Output(lr);

        // Every tile classified hard: the plan is the large branch on the whole frame, so frames 2-4 reuse it.
        using var up = new Upscaler(models, new EngineOptions
        {
            Mode = UpscaleMode.ClassSR, Precision = Precision.Fp32, ClassBias = [0, 0, 1e6f], ReclassifyEvery = 4,
        });
        up.Upscale(lr, first);
        Assert.False(up.Stats.ClassifierSkipped);
        var skipped = new List<bool>();
        for (int i = 0; i < 8; i++)
        {
            up.Upscale(lr, hr);
            skipped.Add(up.Stats.ClassifierSkipped);
            Assert.Equal(first.Y, hr.Y); // the reused plan gives the classified frame's output, byte for byte
            Assert.Equal(up.Stats.Cells, up.Stats.ClassCells[2]);
            Assert.Equal(up.Stats.ClassifierSkipped, up.Stats.ClassifyMs == 0);
        }
        Assert.Equal([true, true, true, false, true, true, true, false], skipped);

        // A new frame size is planned from scratch, with the classifier.
        var other = Frame(96, 64);
        up.Upscale(other, TestModels.Output(other));
        Assert.False(up.Stats.ClassifierSkipped);

        // A plan that routes (every tile small) classifies every frame.
        using var routed = new Upscaler(models, new EngineOptions
        {
            Mode = UpscaleMode.ClassSR, Precision = Precision.Fp32, ClassBias = [1e6f, 0, 0], ReclassifyEvery = 4,
        });
        for (int i = 0; i < 4; i++)
        {
            routed.Upscale(lr, hr);
            Assert.False(routed.Stats.ClassifierSkipped);
            Assert.Equal(routed.Stats.Cells, routed.Stats.ClassCells[0]);
        }
    }

    [Theory]
    [InlineData(37, 23)]
    [InlineData(1, 1)]
    [InlineData(64, 31)]
    [InlineData(321, 181)]
    public void Every_pixel_is_written_for_any_frame_size(int w, int h) => AssertEveryPixelWritten(TestModels.Quick(), w, h);

    /// <summary>ClassSR on a w x h frame writes every output pixel (poisoned first, compared with bicubic).</summary>
    internal static void AssertEveryPixelWritten(ModelSet models, int w, int h)
    {
        using var up = new Upscaler(models, new EngineOptions { Mode = UpscaleMode.ClassSR, Precision = Precision.Fp32 });
        var lr = Frame(w, h);
        var hr = up.CreateOutput(lr);
        // Poison the output: any pixel the engine forgets stays at 0, far from the image's content.
        hr.Y.AsSpan().Fill(0);
        up.Upscale(lr, hr);
        var bic = up.CreateOutput(lr);
        using (var b = new Upscaler(models, new EngineOptions { Mode = UpscaleMode.Bicubic }))
            b.Upscale(lr, bic);
        int far = 0;
        for (int i = 0; i < hr.Y.Length; i++)
            if (Math.Abs(hr.Y[i] - bic.Y[i]) > 60) far++;
        Assert.True(far <= hr.Y.Length / 200, $"x{models.Scale}: {far} of {hr.Y.Length} output pixels far from bicubic: some were not written");
        Assert.Equal(up.Stats.Cells, up.Stats.ClassCells.Sum());
    }

    [Fact]
    public void A_frame_after_warm_up_allocates_nothing()
    {
        foreach (var mode in new[] { UpscaleMode.ClassSR, UpscaleMode.Large, UpscaleMode.Bicubic })
        {
            using var up = new Upscaler(TestModels.Quick(), new EngineOptions { Mode = mode, Precision = Precision.Int8 });
            var lr = Frame(320, 180);
            var hr = TestModels.Output(lr);
            long allocated = Allocations.Steady(() => up.Upscale(lr, hr));
            Assert.True(allocated == 0, $"{mode}: {allocated} bytes allocated per window of 8 warm frames");
        }
    }

    [Fact]
    public void Int8_models_run_every_conv_as_QLinearConv()
    {
        var models = TestModels.Quick();
        string dir = TestImages.TemporaryDirectory();
        foreach (var e in models.Manifest.Models.Where(m => m.Precision == "int8"))
        {
            string optimized = Path.Combine(dir, e.File);
            using (new OnnxNet(models, e, 1, optimized)) { }
            var ops = OnnxGraph.CountOps(optimized);
            var source = OnnxGraph.CountOps(models.PathOf(e));
            Assert.True(source.GetValueOrDefault("Conv") > 0);
            Assert.Equal(source["Conv"], ops.GetValueOrDefault("QLinearConv"));
            Assert.False(ops.ContainsKey("Conv"), $"{e.File}: {ops.GetValueOrDefault("Conv")} Conv left in float");
        }
    }

    [Fact]
    public void Auto_precision_loads_for_each_branch_the_precision_it_reports()
    {
        using var up = new Upscaler(TestModels.Quick(), new EngineOptions { Mode = UpscaleMode.ClassSR, Precision = Precision.Auto });
        for (int k = 0; k < 3; k++)
        {
            var p = up.BranchPrecisions[k];
            if (!CpuFeatures.Int8Pays) Assert.Equal(Precision.Fp32, p);
            Assert.EndsWith($".{p.ToString().ToLowerInvariant()}.onnx", up.BranchFile(k));
        }
        Assert.StartsWith("auto (small ", up.PrecisionLabel);
        var lr = Frame(64, 48);
        var hr = TestModels.Output(lr);
        up.Upscale(lr, hr);
        Assert.True(up.Stats.MacsRatio > 0);
    }

    [Fact]
    public void A_model_that_does_not_match_its_manifest_is_refused_by_name()
    {
        var src = TestModels.Quick();
        string dir = TestImages.TemporaryDirectory();
        foreach (var f in Directory.GetFiles(src.Directory))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        using (var s = File.OpenWrite(Path.Combine(dir, "large.int8.onnx")))
        {
            s.Seek(100, SeekOrigin.Begin);
            s.WriteByte(0x5a);
        }
        var e = Assert.Throws<ModelException>(() => ModelSet.Load(dir));
        Assert.Contains("large.int8.onnx", e.Message);
        Assert.Contains("sha256", e.Message);
        File.Delete(Path.Combine(dir, "small.fp32.onnx"));
        e = Assert.Throws<ModelException>(() => ModelSet.Load(dir));
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Auto_precision_picks_int8_where_the_cpu_runs_it_faster()
    {
        Assert.Equal(CpuFeatures.Int8Pays ? Precision.Int8 : Precision.Fp32, CpuFeatures.Resolve(Precision.Auto));
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
            Assert.Equal(System.Runtime.Intrinsics.Arm.Dp.IsSupported, CpuFeatures.Int8Pays);
        Assert.Equal(Precision.Fp32, CpuFeatures.Resolve(Precision.Fp32));
    }

    [Fact]
    public void Measured_costs_are_in_large_branch_macs_and_rounded()
    {
        using var up = new Upscaler(TestModels.Quick(), new EngineOptions { Mode = UpscaleMode.ClassSR, Precision = Precision.Int8 });
        var costs = up.BranchCosts;
        Assert.Equal(up.LargeMacsPerPixel, costs[2].Macs);
        for (int k = 0; k < 3; k++)
        {
            double sixteenths = costs[k].Macs / up.LargeMacsPerPixel * 16;
            Assert.InRange(sixteenths, 1, 16);
            Assert.Equal(Math.Round(sixteenths), sixteenths, 9);
        }
        Assert.True(up.RunOverheadMacs == 0 || double.IsInteger(Math.Log2(up.RunOverheadMacs)), $"{up.RunOverheadMacs}");
        using var nominal = new Upscaler(TestModels.Quick(), new EngineOptions { Mode = UpscaleMode.ClassSR, Precision = Precision.Int8, MeasureCosts = false });
        Assert.Equal(1e7, nominal.RunOverheadMacs);
        Assert.True(nominal.BranchCosts[0].Macs < nominal.BranchCosts[2].Macs);
    }
}
