using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Models;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Sources;

namespace ClassSR.Edge.Tests.Daemon;

/// <summary>The daemon's outputs read by the real clients people use: ffmpeg (installed by build.sh).</summary>
public class FfmpegClientTests
{
    const int W = 96, H = 64;

    static string StaticClip(string dir, YuvFrame frame, int frames = 8)
    {
        var file = new Y4mFile(W, H, "10:1");
        for (int i = 0; i < frames; i++) file.Frame(frame);
        return file.Save(dir);
    }

    static CliRunner.Result Sh(string script) => CliRunner.Run("bash", ["-c", script]);

    static YuvFrame Scene()
    {
        var f = new YuvFrame(W, H);
        SyntheticSource.Render(40, f);
        return f;
    }

    [Fact]
    public void Ffmpeg_reads_the_mjpeg_stream_and_its_frames_are_the_engines_output()
    {
        string dir = TestImages.TemporaryDirectory();
        var frame = Scene();
        string clip = StaticClip(dir, frame);
        using var daemon = new DaemonProcess("--source", "y4m:" + clip, "--loop", "--listen", "127.0.0.1:0",
            "--models", TestModels.Quick().Directory, "--precision", "fp32", "--jpeg-quality", "95", "--cost-model", "macs");
        var url = daemon.WaitForUrl(TimeSpan.FromSeconds(15));
        string raw = Path.Combine(dir, "y.gray");
        var r = Sh($"ffmpeg -v error -f mpjpeg -i {url}stream -frames:v 2 -f rawvideo -pix_fmt gray -y {raw}");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var y = File.ReadAllBytes(raw);
        Assert.Equal(2 * W * 4 * H * 4, y.Length);

        using var up = new Upscaler(TestModels.Quick(), new EngineOptions { Mode = UpscaleMode.ClassSR, Precision = Precision.Fp32, MeasureCosts = false });
        var hr = TestModels.Output(frame);
        up.Upscale(frame, hr);
        // JPEG is full range; the engine's frame is limited range: compare in the same range.
        ColorConvert.ConvertRange(hr, ColorRange.Full);
        double psnr = Metrics.Psnr(y.AsSpan(W * 4 * H * 4), hr.Y);
        Assert.True(psnr >= 40, $"stream frame vs engine output: {psnr:F1} dB");
    }

    [Fact]
    public void Ffmpeg_reads_y4m_from_stdout()
    {
        string dir = TestImages.TemporaryDirectory();
        string clip = StaticClip(dir, Scene(), frames: 5);
        string exe = Path.Combine(AppContext.BaseDirectory, "classsr-edge.dll");
        var r = Sh($"dotnet {exe} run --source {clip} --listen none --output y4m:- --models {TestModels.Quick().Directory} " +
                   "| ffprobe -v error -f yuv4mpegpipe -i - -count_frames -select_streams v:0 " +
                   "-show_entries stream=width,height,nb_read_frames -of csv=p=0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal($"{W * 4},{H * 4},5", r.Stdout.Trim());
    }
}
