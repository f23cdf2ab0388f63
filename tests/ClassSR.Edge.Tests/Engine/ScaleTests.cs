using ClassSR.Edge.Engine;
using ClassSR.Edge.Evaluation;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Models;
using System.Text.Json;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Daemon;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Engine;

/// <summary>The engine at the x2 set's scale: the same stages, the scale taken from the manifest.</summary>
public class ScaleTests
{
    const string X2Models = "the x2 quick models (the recipe trains them on its datasets)";

    static ModelSet X2() => TestModels.QuickX2() ?? throw new InvalidOperationException("no x2 set");

    [SharedDataFact(X2Models)]
    public void The_x2_set_upscales_by_two()
    {
        var models = X2();
        Assert.Equal(2, models.Scale);
        using var up = new Upscaler(models, new EngineOptions { Mode = UpscaleMode.Large, Precision = Precision.Fp32 });
        var lr = TestImages.SyntheticFrame(40, 24);
        var hr = up.CreateOutput(lr);
        Assert.Equal((80, 48), (hr.Width, hr.Height));
        up.Upscale(lr, hr);
        // A 4x output buffer is refused, not half-filled.
        Assert.Throws<ArgumentException>(() => up.Upscale(lr, new YuvFrame(160, 96)));
    }

    [SharedDataTheory(X2Models)]
    [InlineData(37, 23)]
    [InlineData(1, 1)]
    [InlineData(65, 31)]
    [InlineData(321, 181)]
    public void Every_pixel_is_written_at_x2_for_any_frame_size(int w, int h) => UpscalerTests.AssertEveryPixelWritten(X2(), w, h);

    [SharedDataFact("Set14 and " + X2Models)]
    public void Tile_at_a_time_with_halos_matches_the_branch_on_the_whole_frame_at_x2()
    {
        var models = X2();
        using var tiled = new Upscaler(models, new EngineOptions
        {
            Mode = UpscaleMode.ClassSR, Precision = Precision.Int8, ClassBias = [0, 0, 1e6f], MaxRegionCells = 1, Promote = false,
        });
        using var whole = new Upscaler(models, new EngineOptions { Mode = UpscaleMode.Large, Precision = Precision.Int8 });
        var files = Evaluator.ListImages(TestImages.SharedFolder("datasets/test/Set14"));
        double dTiled = 0, dWhole = 0;
        foreach (var f in files)
        {
            var a = Evaluator.EvaluateOne(tiled, f, null);
            Assert.True(tiled.Stats.Regions == tiled.Stats.Cells && tiled.Stats.Cells > 1);
            dTiled += a.Psnr;
            dWhole += Evaluator.EvaluateOne(whole, f, null).Psnr;
        }
        double diff = Math.Abs(dTiled - dWhole) / files.Count;
        Assert.True(diff < 0.05, $"tile-at-a-time differs from whole frame by {diff:F4} dB on Set14 at x2");

        var lr = TestImages.SyntheticFrame(150, 97);
        var o1 = tiled.CreateOutput(lr);
        var o2 = whole.CreateOutput(lr);
        tiled.Upscale(lr, o1);
        whole.Upscale(lr, o2);
        double agreement = Metrics.Psnr(o1.Y, o2.Y);
        Assert.True(agreement >= 50, $"tiled vs whole-frame luma PSNR {agreement:F1} dB at x2");
    }

    [SharedDataFact(X2Models)]
    public void Eval_follows_the_x2_protocol()
    {
        var models = X2();
        using var up = new Upscaler(models, new EngineOptions { Mode = UpscaleMode.Bicubic });
        string dir = TestImages.TemporaryDirectory();
        // 37x30: cropped to 36x30 at x2 (a multiple of 2), where x4 would crop to 36x28.
        var rgb = new byte[37 * 30 * 3];
        new Random(3).NextBytes(rgb);
        string path = Path.Combine(dir, "odd.png");
        ImageFile.Save(path, rgb, 37, 30);
        var r = Evaluator.EvaluateOne(up, path, null);
        Assert.Equal((36, 30), (r.Width, r.Height));
        var report = Evaluator.Run(up, dir, null);
        Assert.Equal(2, report.Scale);
        Assert.Contains("2-pixel border crop", report.Metric);
    }

    [SharedDataFact(X2Models)]
    public void A_models_folder_gives_the_set_of_the_asked_scale()
    {
        var x2 = X2();
        // The x2 set's own folder at x2; asked for x4 it has neither a manifest of that scale nor an x4/ beside it.
        Assert.Equal(x2.Directory, ModelSet.DirectoryFor(x2.Directory, 2));
        var e = Assert.Throws<ModelException>(() => ModelSet.DirectoryFor(x2.Directory, 4));
        Assert.Contains("no x4 model set", e.Message);
        Assert.Throws<ModelException>(() => ModelSet.DirectoryFor(x2.Directory, 3));
        // An x4 folder holding the x2 set in x2/, as models-int8 does.
        string root = BothScales();
        Assert.Equal(root, ModelSet.DirectoryFor(root, 4));
        Assert.Equal(Path.Combine(root, "x2"), ModelSet.DirectoryFor(root, 2));
        Assert.Equal(2, ModelSet.Load(ModelSet.DirectoryFor(root, 2)).Scale);

        // The command line's --scale: upscale writes an image twice the size, and info lists both sets.
        string input = Path.Combine(root, "in.png"), output = Path.Combine(root, "out.png");
        var rgb = new byte[40 * 24 * 3];
        new Random(5).NextBytes(rgb);
        ImageFile.Save(input, rgb, 40, 24);
        var r = CliRunner.Jit("upscale", input, output, "--models", root, "--scale", "2", "--mode", "large");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var (_, w, h) = ImageFile.Load(output);
        Assert.Equal((80, 48), (w, h));
        var info = CliRunner.Jit("info", "--models", root);
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains("(x4,", info.Stdout);
        Assert.Contains("(x2,", info.Stdout);
        var bad = CliRunner.Jit("upscale", input, output, "--models", root, "--scale", "3");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("scale", bad.Stderr);
    }

    [SharedDataFact(X2Models)]
    public void Aot_binary_gives_the_same_x2_upscale_as_the_jit_build()
    {
        Assert.True(File.Exists(CliRunner.AotBinary), $"'{CliRunner.AotBinary}' missing: ./build.sh test publishes it before the tests");
        string dir = TestImages.TemporaryDirectory(), models = X2().Directory;
        string input = Path.Combine(dir, "in.png"), a = Path.Combine(dir, "jit.png"), b = Path.Combine(dir, "aot.png");
        var rgb = new byte[96 * 64 * 3];
        for (int i = 0; i < rgb.Length; i++)
            rgb[i] = (byte)(i * 7 % 251);
        ImageFile.Save(input, rgb, 96, 64);
        string[] opts = ["--models", models, "--scale", "2", "--precision", "int8", "--cost-model", "macs"];
        var j = CliRunner.Jit(["upscale", input, a, .. opts]);
        Assert.True(j.ExitCode == 0, j.Stderr);
        var r = CliRunner.Run(CliRunner.AotBinary, ["upscale", input, b, .. opts]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var (ra, wa, ha) = ImageFile.Load(a);
        Assert.Equal((192, 128), (wa, ha));
        Assert.Equal(ra, ImageFile.Load(b).Rgb);
    }

    /// <summary>A models folder with the quick x4 set and, in x2/, the quick x2 set, as models-int8 is laid out.</summary>
    static string BothScales()
    {
        string root = TestImages.TemporaryDirectory();
        foreach (var f in Directory.GetFiles(TestModels.Quick().Directory))
            File.Copy(f, Path.Combine(root, Path.GetFileName(f)));
        Directory.CreateDirectory(Path.Combine(root, "x2"));
        foreach (var f in Directory.GetFiles(X2().Directory))
            File.Copy(f, Path.Combine(root, "x2", Path.GetFileName(f)));
        return root;
    }

    [SharedDataFact(X2Models)]
    public async Task The_daemon_reports_its_scale_and_SIGHUP_changes_it()
    {
        string models = BothScales(), config = Path.Combine(models, "config.json");
        File.WriteAllText(config, """{"scale": 4}""");
        using var daemon = new DaemonProcess("env", ["--default-signal=HUP", "dotnet", Path.Combine(AppContext.BaseDirectory, "classsr-edge.dll")], null,
            "--config", config, "--listen", "127.0.0.1:0", "--frames-socket", "none", "--models", models, "--seconds", "60");
        var url = daemon.WaitForUrl(TimeSpan.FromSeconds(15));
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        async Task<(int Scale, int Source, int Output)> State()
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync("state"));
            var s = doc.RootElement;
            return (s.GetProperty("scale").GetInt32(), s.GetProperty("source").GetProperty("width").GetInt32(),
                s.GetProperty("output").GetProperty("width").GetInt32());
        }
        // The URL is served before the first frame is upscaled: wait for an output size.
        var first = DateTime.UtcNow.AddSeconds(15);
        while ((await State()).Output == 0 && DateTime.UtcNow < first)
            await Task.Delay(50);
        var (scale, source, output) = await State();
        Assert.Equal(4, scale);
        Assert.Equal(source * 4, output);

        File.WriteAllText(config, """{"scale": 2}""");
        daemon.Hangup();
        daemon.WaitForLog("now upscaling with", TimeSpan.FromSeconds(20));
        var until = DateTime.UtcNow.AddSeconds(10);
        while ((await State()).Output != source * 2)
        {
            Assert.True(DateTime.UtcNow < until, "the x2 output never showed in /state");
            await Task.Delay(50);
        }
        Assert.Equal(2, (await State()).Scale);

        File.WriteAllText(config, """{"scale": 3}""");
        daemon.Hangup();
        daemon.WaitForLog("\"scale\": 3 is not one of 2, 4", TimeSpan.FromSeconds(10));
        Assert.Equal(2, (await State()).Scale);
        daemon.Terminate();
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(10)), daemon.Stderr);
    }
}
