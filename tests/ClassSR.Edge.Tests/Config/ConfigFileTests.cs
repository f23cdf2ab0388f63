using ClassSR.Edge.Daemon.Control;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Cli;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.IO.Gpio;
using ClassSR.Edge.Daemon.Panel;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Config;

public class ConfigFileTests
{
    const string Full = """
        {
          // comments are allowed: a config file wants its reasons written next to it
          "source": "y4m:/srv/cam.y4m", "raw": "640x480:nv12", "fps": 12.5, "loop": true,
          "listen": "0.0.0.0:9000", "auth_token": "s3cret", "output": "y4m:-",
          "mode": "bicubic", "precision": "fp32", "models": "/opt/models", "jpeg_quality": 70, "log_level": "warn",
        }
        """;

    static string Error(string json)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigFile.Parse(json, "config.json"));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void Reads_every_key()
    {
        var c = ConfigFile.Parse(Full, "config.json");
        Assert.Equal("y4m:/srv/cam.y4m", c.Get(OptionTable.Source));
        Assert.Equal("640x480:nv12", c.Get(OptionTable.Raw));
        Assert.Equal(12.5, c.Get(OptionTable.Fps));
        Assert.True(c.Get(OptionTable.Loop));
        Assert.True(c.IsSet(OptionTable.Listen));
        Assert.Equal(ListenAddress.Parse("0.0.0.0:9000"), c.Get(OptionTable.Listen));
        Assert.Equal("s3cret", c.Get(OptionTable.AuthToken));
        Assert.True(c.Get(OptionTable.Output).Y4mToStdout);
        Assert.Equal(UpscaleMode.Bicubic, c.Get(OptionTable.Mode));
        Assert.Equal(Precision.Fp32, c.Get(OptionTable.Precision));
        Assert.Equal("/opt/models", c.Get(OptionTable.Models));
        Assert.Equal(70, c.Get(OptionTable.JpegQuality));
        Assert.Equal(LogLevel.Warn, c.Get(OptionTable.LogLevel));
    }

    [Fact]
    public void An_empty_object_leaves_everything_to_the_defaults()
    {
        var c = ConfigFile.Parse("{}", "config.json");
        Assert.All(OptionTable.All, o => Assert.False(c.IsSet(o), o.Key));
        Assert.True(ConfigFile.Parse("""{"listen": "none"}""", "c").IsSet(OptionTable.Listen));
        Assert.Null(ConfigFile.Parse("""{"listen": "none"}""", "c").Get(OptionTable.Listen));
    }

    [Theory]
    [InlineData("""{"mode": "huge"}""", "config.json: \"mode\": \"huge\" is not one of classsr, small, medium, large, bicubic")]
    [InlineData("""{"precision": "fp16"}""", "config.json: \"precision\": \"fp16\" is not one of int8, fp32, auto")]
    [InlineData("""{"log_level": "loud"}""", "config.json: \"log_level\": \"loud\" is not one of debug, info, warn, error")]
    [InlineData("""{"jpeg_quality": 101}""", "config.json: \"jpeg_quality\": 101 is not in 1..100")]
    [InlineData("""{"fps": 0}""", "config.json: \"fps\": 0 is not in (0, 1000]")]
    [InlineData("""{"output": "file.y4m"}""", "config.json: \"output\": 'file.y4m' is not y4m:-, fb:/dev/fbN, v4l2:DEVICE or none")]
    [InlineData("""{"output": "v4l2:"}""", "config.json: \"output\": 'v4l2:' is not y4m:-, fb:/dev/fbN, v4l2:DEVICE or none")]
    [InlineData("""{"size": "640"}""", "config.json: \"size\": \"640\" is not WxH (16..8192 each)")]
    [InlineData("""{"pixel_format": "h264"}""", "config.json: \"pixel_format\": \"h264\" is not one of yuyv, nv12, mjpeg")]
    [InlineData("""{"listen": "nowhere"}""", "config.json: \"listen\": \"nowhere\" is not ADDR:PORT or none")]
    [InlineData("""{"source": ""}""", "config.json: \"source\": \"\" is empty (leave it out for the default)")]
    [InlineData("""{"fps": "fast"}""", "config.json: \"fps\" must be a number")]
    [InlineData("""{"jpeg_quality": 7.5}""", "config.json: \"jpeg_quality\" must be an integer")]
    [InlineData("""{"loop": "yes"}""", "config.json: \"loop\" must be true or false")]
    [InlineData("""{"mode": 3}""", "config.json: \"mode\" must be a string")]
    [InlineData("""{"target_fps": 0}""", "config.json: \"target_fps\": 0 is not a frame rate in (0, 1000], source or off")]
    [InlineData("""{"target_fps": "max"}""", "config.json: \"target_fps\": \"max\" is not a frame rate in (0, 1000], source or off")]
    [InlineData("""{"target_fps": true}""", "config.json: \"target_fps\" must be a number, \"source\" or \"off\"")]
    [InlineData("""{"latency_budget": -5}""", "config.json: \"latency_budget\": -5 is not milliseconds in (0, 10000] or auto")]
    public void Names_the_key_and_the_reason(string json, string expected) => Assert.Equal(expected, Error(json));

    [Fact]
    public void Rejects_unknown_keys_and_broken_json()
    {
        Assert.StartsWith("config.json: \"jpeg_qualty\" is not a known key", Error("""{"jpeg_qualty": 90}"""));
        Assert.StartsWith("config.json: not valid JSON at line 2", Error("{\n\"mode\": }"));
        Assert.Equal("config.json: the top level must be a JSON object", Error("[1]"));
        Assert.Equal("config.json: the file holds null, not an object", Error("null"));
        Assert.Equal("config.json: \"mode\" is given twice (at line 2)", Error("{\"mode\": \"large\",\n \"mode\": \"small\"}"));
        string dir = TestImages.TemporaryDirectory();
        Assert.Equal($"{dir}: is a directory, not a configuration file", Assert.Throws<ConfigException>(() => ConfigFile.Load(dir)).Message);
    }

    [Fact]
    public void A_missing_file_is_fine_only_when_it_is_the_default()
    {
        string missing = Path.Combine(TestImages.TemporaryDirectory(), "none.json");
        Assert.Same(OptionValues.Empty, ConfigFile.Load(missing, optional: true));
        Assert.Equal($"{missing}: no such file", Assert.Throws<ConfigException>(() => ConfigFile.Load(missing)).Message);
    }

    [Fact]
    public void The_frame_budget_comes_from_the_file_and_the_command_line_wins()
    {
        var file = ConfigFile.Parse("""{"target_fps": 25, "latency_budget": 30}""", "config.json");
        var fromFile = Resolve(file).Budget;
        Assert.Equal(new BudgetOptions { TargetFps = 25, LatencyBudgetMs = 30 }, fromFile);
        Assert.Equal(new BudgetOptions { Enabled = false, LatencyBudgetMs = 30 }, Resolve(file, "--target-fps", "off").Budget);
        Assert.Equal(new BudgetOptions(), Resolve(OptionValues.Empty).Budget);
        Assert.Equal(new BudgetOptions(), Resolve(ConfigFile.Parse("""{"target_fps": "source", "latency_budget": "auto"}""", "c")).Budget);
        var e = Assert.Throws<UsageException>(() => Resolve(OptionValues.Empty, "--target-fps", "-1"));
        Assert.Equal("--target-fps -1 is not a frame rate in (0, 1000], source or off", e.Message);
        e = Assert.Throws<UsageException>(() => Resolve(OptionValues.Empty, "--latency-budget", "soon"));
        Assert.Equal("--latency-budget soon is not milliseconds in (0, 10000] or auto", e.Message);
    }

    static RunSettings Resolve(OptionValues file, params string[] argv) =>
        RunCommand.Resolve(new Args(argv, Args.Switches()), file);

    [Fact]
    public void The_command_line_overrides_the_file()
    {
        var file = ConfigFile.Parse("""
            {"source": "y4m:/a.y4m", "mode": "bicubic", "precision": "fp32", "jpeg_quality": 70, "listen": "none",
             "output": "y4m:-", "log_level": "warn", "models": "/m"}
            """, "c");
        var fromFile = Resolve(file);
        Assert.Equal("y4m:/a.y4m", fromFile.Daemon.Source);
        Assert.Equal(UpscaleMode.Bicubic, fromFile.Engine.Mode);
        Assert.Equal(Precision.Fp32, fromFile.Engine.Precision);
        Assert.Equal(70, fromFile.Daemon.JpegQuality);
        Assert.Null(fromFile.Daemon.Listen);
        Assert.True(fromFile.Daemon.Y4mToStdout);
        Assert.Equal(LogLevel.Warn, fromFile.LogLevel);
        Assert.Equal("/m", fromFile.ModelsDirectory);

        var over = Resolve(file, "--source", "synthetic", "--mode", "small", "--precision", "int8", "--jpeg-quality", "90",
            "--listen", "127.0.0.1:0", "--log-level", "debug", "--models", "/n");
        Assert.Equal("synthetic", over.Daemon.Source);
        Assert.Equal(UpscaleMode.Small, over.Engine.Mode);
        Assert.Equal(Precision.Int8, over.Engine.Precision);
        Assert.Equal(90, over.Daemon.JpegQuality);
        Assert.Equal(ListenAddress.Parse("127.0.0.1:0"), over.Daemon.Listen);
        Assert.Equal(LogLevel.Debug, over.LogLevel);
        Assert.Equal("/n", over.ModelsDirectory);

        var defaults = Resolve(OptionValues.Empty);
        Assert.Equal(ListenAddress.Default, defaults.Daemon.Listen);
        Assert.Equal(80, defaults.Daemon.JpegQuality);
        Assert.Equal(UpscaleMode.ClassSR, defaults.Engine.Mode);
    }

    [Fact]
    public void An_ipv4_address_written_as_ipv6_listens_as_ipv4()
    {
        var l = ListenAddress.Parse("[::ffff:127.0.0.1]:8081");
        Assert.Equal(ListenAddress.Parse("127.0.0.1:8081"), l);
        Assert.True(l.IsLoopback);
        Assert.Equal("[::1]:80", ListenAddress.Parse("[::1]:80").ToString());
    }

    [Fact]
    public void Temporal_reuse_is_on_by_default_and_set_from_the_file_or_the_flags()
    {
        var defaults = Resolve(OptionValues.Empty);
        Assert.True(defaults.Engine.Reuse);
        Assert.Equal(ChangeDetector.DefaultThreshold, defaults.Engine.ReuseThreshold);
        Assert.Equal(EngineOptions.DefaultRefreshEvery, defaults.Engine.RefreshEvery);

        var file = ConfigFile.Parse("""{"reuse": "off", "reuse_threshold": 4.5, "refresh_every": 90}""", "c");
        var fromFile = Resolve(file);
        Assert.False(fromFile.Engine.Reuse);
        Assert.Equal(4.5, fromFile.Engine.ReuseThreshold);
        Assert.Equal(90, fromFile.Engine.RefreshEvery);

        var over = Resolve(file, "--reuse", "on", "--reuse-threshold", "3", "--refresh-every", "15");
        Assert.True(over.Engine.Reuse);
        Assert.Equal(3, over.Engine.ReuseThreshold);
        Assert.Equal(15, over.Engine.RefreshEvery);

        // The A/B button's copy keeps them too.
        Assert.Equal(15, over.Engine.WithMode(UpscaleMode.Large).RefreshEvery);

        Assert.Equal("--reuse: 'maybe' is not on or off", Assert.Throws<UsageException>(() => Resolve(OptionValues.Empty, "--reuse", "maybe")).Message);
        Assert.Equal("--reuse-threshold 0 is not in (0, 64]", Assert.Throws<UsageException>(() => Resolve(OptionValues.Empty, "--reuse-threshold", "0")).Message);
        Assert.Equal("--refresh-every 0 is not in 1..100000", Assert.Throws<UsageException>(() => Resolve(OptionValues.Empty, "--refresh-every", "0")).Message);
        Assert.Equal("config.json: \"reuse\": \"yes\" is not on or off", Error("""{"reuse": "yes"}"""));
        Assert.Equal("config.json: \"reuse_threshold\": -1 is not in (0, 64]", Error("""{"reuse_threshold": -1}"""));
        Assert.Equal("config.json: \"refresh_every\": 0 is not in 1..100000", Error("""{"refresh_every": 0}"""));
        Assert.Equal("config.json: \"refresh_every\" must be an integer", Error("""{"refresh_every": 2.5}"""));
        Assert.Equal("config.json: \"reuse\" must be a string", Error("""{"reuse": true}"""));
    }

    [Fact]
    public void Outputs_are_a_list_in_the_file_and_a_repeated_flag_on_the_command_line()
    {
        var file = ConfigFile.Parse("""{"output": ["y4m:-", "fb:/dev/fb1"], "frames_socket": "none"}""", "c");
        Assert.Equal((true, "/dev/fb1"), (file.Get(OptionTable.Output).Y4mToStdout, file.Get(OptionTable.Output).Framebuffer));
        Assert.Empty(file.Get(OptionTable.Output).V4l2);
        var fromFile = Resolve(file);
        Assert.True(fromFile.Daemon.Y4mToStdout);
        Assert.Equal("/dev/fb1", fromFile.Daemon.Framebuffer);
        Assert.Null(fromFile.Daemon.FramesSocket);

        var flags = Resolve(file, "--output", "fb:/dev/fb0", "--output", "y4m:-", "--frames-socket", "/tmp/f.sock");
        Assert.Equal(("/dev/fb0", true, "/tmp/f.sock"), (flags.Daemon.Framebuffer, flags.Daemon.Y4mToStdout, flags.Daemon.FramesSocket));
        var none = Resolve(file, "--output", "none");
        Assert.Equal((null, false), (none.Daemon.Framebuffer, none.Daemon.Y4mToStdout));
        Assert.Equal(FrameSocketSink.DefaultPath, Resolve(OptionValues.Empty).Daemon.FramesSocket);

        Assert.Contains("only one framebuffer", Assert.Throws<UsageException>(() => Resolve(file, "--output", "fb:/dev/fb0", "--output", "fb:/dev/fb1")).Message);
        Assert.Equal("--output: 'none' cannot be combined with other outputs",
            Assert.Throws<UsageException>(() => Resolve(file, "--output", "none", "--output", "y4m:-")).Message);
        Assert.Equal("c: \"output\" must be a string or a list of strings", Error2("""{"output": [1]}"""));
        Assert.Equal("c: \"output\": y4m:- is given twice", Error2("""{"output": ["y4m:-", "y4m:-"]}"""));
        // A socket alone is something to serve: no HTTP is then fine.
        Assert.Null(Resolve(OptionValues.Empty, "--listen", "none", "--frames-socket", "/tmp/f.sock").Daemon.Listen);
    }

    [Fact]
    public void Gpio_lines_come_from_the_file_or_the_flags()
    {
        var file = ConfigFile.Parse("""{"gpio_chip": 4, "led_pin": 17, "button_pin": 27}""", "c");
        Assert.Equal(new GpioOptions(4, 17, 27), Resolve(file).Daemon.Gpio);
        Assert.Equal(new GpioOptions(4, 22, 27), Resolve(file, "--led-pin", "22").Daemon.Gpio);
        Assert.Equal(new GpioOptions(0, null, 5), Resolve(OptionValues.Empty, "--button-pin", "5").Daemon.Gpio);
        Assert.Null(Resolve(OptionValues.Empty).Daemon.Gpio);
        Assert.Equal("c: \"led_pin\": -1 is negative", Error2("""{"led_pin": -1}"""));
        Assert.Equal("c: \"button_pin\" must be an integer", Error2("""{"button_pin": "GPIO27"}"""));
        Assert.Equal("--led-pin and --button-pin are both 17",
            Assert.Throws<UsageException>(() => Resolve(file, "--button-pin", "17")).Message);
    }

    static string Error2(string json) => Assert.Throws<ConfigException>(() => ConfigFile.Parse(json, "c")).Message;

    [Fact]
    public void A_camera_and_virtual_cameras_come_from_the_file_or_the_command_line()
    {
        var file = ConfigFile.Parse("""
            {"source": "v4l2:/dev/video0", "size": "1280x720", "pixel_format": "mjpeg", "output": "v4l2:/dev/video10"}
            """, "c");
        Assert.Equal(["/dev/video10"], file.Get(OptionTable.Output).V4l2);
        var fromFile = Resolve(file);
        Assert.Equal(("1280x720", "mjpeg"), (fromFile.Daemon.Size, fromFile.Daemon.PixelFormat));
        Assert.Equal(["/dev/video10"], fromFile.Daemon.V4l2Outputs);
        Assert.False(fromFile.Daemon.Y4mToStdout);

        // --output repeats, and any of them replaces the file's output.
        var over = Resolve(file, "--output", "v4l2:/dev/video11", "--output", "y4m:-", "--output", "v4l2:/dev/video12",
            "--size", "640x480", "--listen", "none");
        Assert.Equal(["/dev/video11", "/dev/video12"], over.Daemon.V4l2Outputs);
        Assert.True(over.Daemon.Y4mToStdout);
        Assert.Equal("640x480", over.Daemon.Size);
        Assert.Empty(Resolve(file, "--output", "none").Daemon.V4l2Outputs);

        // A virtual camera alone is something to serve.
        Assert.Null(Resolve(OptionValues.Empty, "--listen", "none", "--output", "v4l2:/dev/video10").Daemon.Listen);
        Assert.Contains("v4l2:DEVICE", Assert.Throws<UsageException>(() => Resolve(OptionValues.Empty, "--output", "v4l2:")).Message);
        Assert.Contains("v4l2:DEVICE", Assert.Throws<UsageException>(() => Resolve(OptionValues.Empty, "--listen", "none")).Message);
    }

    static string Write(string json)
    {
        string path = Path.Combine(TestImages.TemporaryDirectory(), "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Check_config_prints_ok_or_the_one_line_error()
    {
        var ok = CliRunner.Jit("check-config", Write("""{"mode": "small", "listen": "127.0.0.1:8081"}"""));
        Assert.Equal((0, "ok"), (ok.ExitCode, ok.Stdout.Trim()));

        string bad = Write("""{"mode": "huge"}""");
        var r = CliRunner.Jit("check-config", bad);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"{bad}: \"mode\": \"huge\" is not one of classsr, small, medium, large, bicubic", r.Stderr.Trim());

        // Combinations are checked as run checks them.
        string open = Write("""{"listen": "0.0.0.0:8080"}""");
        var o = CliRunner.Jit("check-config", open);
        Assert.Equal(1, o.ExitCode);
        Assert.Contains("without --auth-token", o.Stderr);

        var missing = CliRunner.Jit("check-config", bad + ".gone");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no such file", missing.Stderr);
    }

    [Fact]
    public void Run_refuses_a_missing_or_bad_explicit_config()
    {
        var r = CliRunner.Jit("run", "--config", "/nonexistent/classsr.json", "--seconds", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("/nonexistent/classsr.json: no such file", r.Stderr);
        var b = CliRunner.Jit("run", "--config", Write("""{"fps": "x"}"""), "--seconds", "1");
        Assert.Equal(1, b.ExitCode);
        Assert.Contains("\"fps\" must be a number", b.Stderr);
    }
}
