using ClassSR.Edge.Imaging;
using Xunit;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Cli;

public class CliTests
{
    static string QuickModels => TestModels.Quick().Directory;

    static string SampleImage(string dir, int w = 48, int h = 40)
    {
        string path = Path.Combine(dir, "in.png");
        ImageFile.Save(path, TestImages.Synthetic(w, h), w, h);
        return path;
    }

    static void AssertOneLineError(CliRunner.Result r, string mustContain)
    {
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.Stderr.Trim().Split('\n');
        Assert.True(lines.Length == 1, $"expected one line, got:\n{r.Stderr}");
        Assert.Contains(mustContain, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void Upscale_writes_a_4x_image_and_a_class_map()
    {
        string dir = TestImages.TemporaryDirectory();
        string input = SampleImage(dir), output = Path.Combine(dir, "out.png"), map = Path.Combine(dir, "map.png");
        var r = CliRunner.Jit("upscale", input, output, "--models", QuickModels, "--class-map", map);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var (_, w, h) = ImageFile.Load(output);
        Assert.Equal((192, 160), (w, h));
        var (_, mw, mh) = ImageFile.Load(map);
        Assert.Equal((48, 40), (mw, mh));
        var jpg = Path.Combine(dir, "out.jpg");
        Assert.Equal(0, CliRunner.Jit("upscale", input, jpg, "--models", QuickModels, "--mode", "bicubic").ExitCode);
        Assert.Equal((192, 160), (ImageFile.Load(jpg).Width, ImageFile.Load(jpg).Height));
    }

    [Fact]
    public void Missing_and_corrupt_inputs_fail_with_one_line_naming_the_file()
    {
        string dir = TestImages.TemporaryDirectory();
        AssertOneLineError(CliRunner.Jit("upscale", Path.Combine(dir, "nope.png"), Path.Combine(dir, "o.png"), "--models", QuickModels), "nope.png");
        string bad = Path.Combine(dir, "bad.png");
        File.WriteAllBytes(bad, [0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5]);
        AssertOneLineError(CliRunner.Jit("upscale", bad, Path.Combine(dir, "o.png"), "--models", QuickModels), "bad.png");
        string input = SampleImage(dir);
        AssertOneLineError(CliRunner.Jit("upscale", input, "/proc/nonexistent/dir/o.png", "--models", QuickModels), "/proc/nonexistent/dir/o.png");
        AssertOneLineError(CliRunner.Jit("upscale", input, Path.Combine(dir, "o.tiff"), "--models", QuickModels), "o.tiff");
        AssertOneLineError(CliRunner.Jit("upscale", input, Path.Combine(dir, "o.png"), "--models", QuickModels, "--mode", "huge"), "--mode");
    }

    [Fact]
    public void Abused_inputs_and_outputs_get_one_clear_line()
    {
        string dir = TestImages.TemporaryDirectory();
        string input = SampleImage(dir);
        // A PNG cut in half: the decoder's own text was NUL bytes.
        string cut = Path.Combine(dir, "trunc.png");
        var whole = File.ReadAllBytes(input);
        File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);
        var r = CliRunner.Jit("upscale", cut, Path.Combine(dir, "o.png"), "--models", QuickModels);
        AssertOneLineError(r, "trunc.png");
        Assert.DoesNotContain(r.Stderr.TrimEnd('\n'), c => char.IsControl(c));
        Assert.DoesNotMatch(@"trunc\.png': *$", r.Stderr.Trim());

        // Output errors name the file asked for, not the temporary one written first.
        r = CliRunner.Jit("upscale", input, "/proc/nonexistent/dir/o.png", "--models", QuickModels);
        AssertOneLineError(r, "cannot write '/proc/nonexistent/dir/o.png'");
        Assert.DoesNotContain(".tmp", r.Stderr);
        Directory.CreateDirectory(Path.Combine(dir, "taken.png"));
        r = CliRunner.Jit("upscale", input, Path.Combine(dir, "taken.png"), "--models", QuickModels);
        AssertOneLineError(r, "taken.png': it is a directory");

        // eval on images too small for x4 names the file.
        string tiny = Path.Combine(dir, "tiny");
        Directory.CreateDirectory(tiny);
        ImageFile.Save(Path.Combine(tiny, "a.png"), new byte[3 * 3 * 2], 3, 2);
        AssertOneLineError(CliRunner.Jit("eval", "--hr", tiny, "--models", QuickModels), "a.png': 3x2 is too small to evaluate at x4");
        File.Delete(Path.Combine(tiny, "a.png"));
        ImageFile.Save(Path.Combine(tiny, "b.png"), new byte[3 * 4000 * 4], 4000, 4);
        AssertOneLineError(CliRunner.Jit("eval", "--hr", tiny, "--models", QuickModels), "b.png': 4000x4 is too small");

        // An unknown option followed by another is named, not the stray value after it.
        AssertOneLineError(CliRunner.Jit("run", "--bogus", "--seconds", "1"), "unknown option --bogus");
        AssertOneLineError(CliRunner.Jit("run", "--seconds"), "option --seconds needs a value");
    }

    [Fact]
    public void A_tampered_model_stops_start_up_with_its_name()
    {
        string dir = TestImages.TemporaryDirectory();
        foreach (var f in Directory.GetFiles(QuickModels))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(dir, "medium.int8.onnx"), "not a model");
        string input = SampleImage(TestImages.TemporaryDirectory());
        AssertOneLineError(CliRunner.Jit("upscale", input, Path.Combine(dir, "o.png"), "--models", dir), "medium.int8.onnx");
    }

    [SharedDataFact("Set5 and its reference LR")]
    public void Eval_reports_psnr_per_image_and_writes_json()
    {
        string dir = TestImages.TemporaryDirectory(), json = Path.Combine(dir, "e.json");
        var r = CliRunner.Jit("eval", "--hr", TestImages.SharedFolder("datasets/test/Set5"), "--mode", "bicubic",
            "--models", QuickModels, "--json", json);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var report = System.Text.Json.JsonSerializer.Deserialize(File.ReadAllText(json), ClassSR.Edge.Evaluation.EvalJson.Default.EvalReport)!;
        Assert.Equal(5, report.Images.Count);
        // The field's published bicubic x4 figure for Set5 on this protocol is 28.42 dB.
        Assert.InRange(report.Mean.Psnr, 28.37, 28.47);
        // With --lr the reference MATLAB LR images are used instead of ours: same figure within a hair.
        var r2 = CliRunner.Jit("eval", "--hr", TestImages.SharedFolder("datasets/test/Set5"), "--lr",
            TestImages.SharedFolder("datasets/test/reference_lr_x4/Set5"), "--mode", "bicubic", "--models", QuickModels, "--quiet");
        Assert.True(r2.ExitCode == 0, r2.Stderr);
        Assert.Contains("PSNR-Y 28.4", r2.Stdout);
    }

    [Fact]
    public void Info_lists_models_and_checks_their_hashes()
    {
        var r = CliRunner.Jit("info", "--models", QuickModels);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("onnxruntime", r.Stdout);
        // Eight files per set: the folder's own, and the x2 set in its x2/ where it has one (the shipped models-int8 does).
        int sets = 1 + (File.Exists(Path.Combine(QuickModels, "x2", "manifest.json")) ? 1 : 0);
        Assert.Equal(8 * sets, r.Stdout.Split('\n').Count(l => l.Contains("sha256 ok")));
    }

    [Fact]
    public void Aot_binary_gives_the_same_upscale_as_the_jit_build()
    {
        Assert.True(File.Exists(CliRunner.AotBinary), $"'{CliRunner.AotBinary}' missing: ./build.sh test publishes it before the tests");
        string dir = TestImages.TemporaryDirectory();
        string input = SampleImage(dir, 96, 64), a = Path.Combine(dir, "jit.png"), b = Path.Combine(dir, "aot.png");
        // Nominal costs: measured ones could plan the two processes differently on a busy machine.
        Assert.Equal(0, CliRunner.Jit("upscale", input, a, "--models", QuickModels, "--precision", "int8", "--cost-model", "macs").ExitCode);
        var r = CliRunner.Run(CliRunner.AotBinary, ["upscale", input, b, "--models", QuickModels, "--precision", "int8", "--cost-model", "macs"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(ImageFile.Load(a).Rgb, ImageFile.Load(b).Rgb);
    }

    [Fact]
    public void The_aot_binary_picks_auto_precision_from_this_cpus_flags_as_the_jit_build_does()
    {
        // Native AOT answers Avx2.IsSupported for the ISA it was compiled for, not the machine's: the choice must not
        // depend on it (ONNX Runtime dispatches on the CPU itself).
        Assert.True(File.Exists(CliRunner.AotBinary), $"'{CliRunner.AotBinary}' missing: ./build.sh test publishes it before the tests");
        var flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal) || l.StartsWith("Features", StringComparison.Ordinal));
        bool int8 = ClassSR.Edge.Inference.CpuFeatures.Int8PaysIn(flags[(flags.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet());
        var aot = CliRunner.Run(CliRunner.AotBinary, ["info", "--models", QuickModels]);
        var jit = CliRunner.Jit("info", "--models", QuickModels);
        string expected = "auto -> " + (int8 ? "int8" : "fp32");
        Assert.Contains(expected, aot.Stdout);
        Assert.Contains(expected, jit.Stdout);
    }

    [Theory]
    [InlineData("upscale")]
    [InlineData("eval")]
    [InlineData("info")]
    [InlineData("run")]
    [InlineData("check-config")]
    [InlineData("bench")]
    public void Help_works_for_every_subcommand(string command)
    {
        var r = CliRunner.Jit(command, "--help");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith($"classsr-edge {command}", r.Stdout.TrimStart());
        // Its own usage only, not another command's.
        Assert.DoesNotContain(r.Stdout.Split('\n'), l => l.TrimStart().StartsWith("classsr-edge ", StringComparison.Ordinal)
            && !l.TrimStart().StartsWith($"classsr-edge {command}", StringComparison.Ordinal));
        Assert.Equal(0, CliRunner.Jit(command, "-h").ExitCode);
    }
}
