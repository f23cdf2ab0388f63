using ClassSR.Edge.Imaging;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Daemon;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Sources;

namespace ClassSR.Edge.Tests.Deploy;

public class Arm64BuildTests
{
    [Fact]
    public void The_arm64_output_holds_arm64_files_only()
    {
        Arm64.RequirePublished();
        var files = Directory.GetFiles(Arm64.PublishDir, "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(files, f => f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase));
        var elves = files.Select(f => (File: Path.GetRelativePath(Arm64.PublishDir, f), Machine: Arm64.ElfMachine(f))).Where(e => e.Machine != null).ToList();
        Assert.Equal(["classsr-edge", "libonnxruntime.so"], elves.Select(e => e.File).Order());
        Assert.All(elves, e => Assert.True(e.Machine == Arm64.MachineAarch64, $"{e.File}: ELF machine {e.Machine}, not aarch64"));
        Assert.True(File.Exists(Path.Combine(Arm64.Models, "manifest.json")));
    }

    [NeedsQemuNamespaceFact]
    public void Auto_precision_picks_fp32_on_a_Pi_4_core_and_int8_on_a_Pi_5_core()
    {
        Arm64.RequirePublished();
        var a72 = Arm64.Run("cortex-a72", Arm64.Binary, "info", "--models", Arm64.Models);
        var a76 = Arm64.Run("cortex-a76", Arm64.Binary, "info", "--models", Arm64.Models);
        Assert.True(a72.ExitCode == 0, a72.Stderr);
        Assert.True(a76.ExitCode == 0, a76.Stderr);
        Assert.Contains("linux-arm64, native AOT", a76.Stdout);
        Assert.Contains("auto -> fp32", a72.Stdout);
        Assert.Contains("auto -> int8", a76.Stdout);
        Assert.Contains("asimddp", a76.Stdout);
        Assert.DoesNotContain("sha256 mismatch", a76.Stdout);
    }

    [NeedsQemuNamespaceTheory]
    [InlineData("classsr", "int8")]
    [InlineData("large", "fp32")]
    public void The_arm64_upscale_matches_the_x64_build(string mode, string precision)
    {
        Arm64.RequirePublished();
        Assert.True(File.Exists(CliRunner.AotBinary), $"'{CliRunner.AotBinary}' missing: ./build.sh test publishes it first");
        string dir = TestImages.TemporaryDirectory();
        // Any picture will do (it was Set5's baby, which a clone without ../shared does not have).
        string input = TestImages.SyntheticPng(dir, 128, 128);
        string arm = Path.Combine(dir, "arm.png"), x64 = Path.Combine(dir, "x64.png");
        // Plans priced by MACs: measured costs differ between the two runs (and a loaded machine), and so may promotion.
        string[] opts = ["--mode", mode, "--precision", precision, "--models", Arm64.Models, "--cost-model", "macs"];
        var a = Arm64.Run("cortex-a76", Arm64.Binary, ["upscale", input, arm, .. opts]);
        Assert.True(a.ExitCode == 0, a.Stderr);
        var x = CliRunner.Run(CliRunner.AotBinary, ["upscale", input, x64, .. opts]);
        Assert.True(x.ExitCode == 0, x.Stderr);
        var (armRgb, w, h) = ImageFile.Load(arm);
        var (x64Rgb, w2, h2) = ImageFile.Load(x64);
        Assert.Equal((512, 512), (w, h));
        Assert.Equal((w, h), (w2, h2));
        // The same class shares: the classifier routed every tile the same way on both.
        Assert.Equal(Classes(x.Stdout), Classes(a.Stdout));
        double psnr = Metrics.Psnr(armRgb, x64Rgb);
        Assert.True(psnr >= 50, $"arm64 vs x64 {mode} {precision}: {psnr:F2} dB < 50");
    }

    static string Classes(string stdout) => stdout[stdout.IndexOf("classes", StringComparison.Ordinal)..].Split(',')[0];

    [NeedsQemuNamespaceFact]
    public async Task The_arm64_daemon_serves_a_y4m_file_that_a_client_reads()
    {
        Arm64.RequirePublished();
        string dir = TestImages.TemporaryDirectory();
        var clip = new Y4mFile(48, 32, "5:1");
        var scene = new YuvFrame(48, 32);
        ClassSR.Edge.Daemon.Sources.SyntheticSource.Render(3, scene);
        for (int i = 0; i < 4; i++)
            clip.Frame(scene);
        string path = clip.Save(dir);
        using var daemon = new DaemonProcess(Arm64.QemuRun, ["--cpu", "cortex-a76", Arm64.Binary], null,
            "--source", path, "--loop", "--listen", "127.0.0.1:0", "--precision", "int8", "--models", Arm64.Models);
        var url = daemon.WaitForUrl(TimeSpan.FromSeconds(120));
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        byte[] jpeg = [];
        for (var t = System.Diagnostics.Stopwatch.StartNew(); t.Elapsed < TimeSpan.FromSeconds(60);)
        {
            using var r = await http.GetAsync("snapshot");
            if (r.IsSuccessStatusCode)
            {
                jpeg = await r.Content.ReadAsByteArrayAsync();
                break;
            }
            await Task.Delay(250);
        }
        Assert.True(jpeg.Length > 0, $"no snapshot from the arm64 daemon:\n{daemon.Stderr}");
        using var decoder = new JpegDecoder();
        var header = decoder.ReadHeader(jpeg);
        Assert.Equal((192, 128), (header.Width, header.Height));
        string state = await http.GetStringAsync("state");
        Assert.Contains("\"int8\"", state);
        daemon.Terminate();
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(20)), "the arm64 daemon did not stop on SIGTERM");
    }
}

public sealed class NeedsQemuNamespaceTheoryAttribute : TheoryAttribute
{
    public NeedsQemuNamespaceTheoryAttribute()
    {
        if (new NeedsQemuNamespaceFactAttribute().Skip is { } why)
            Skip = why;
    }
}
