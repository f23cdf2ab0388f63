using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Deploy;

/// <summary>deploy-arm64/install.sh staged into DESTDIR (the live path needs a board's root and systemd).</summary>
public class InstallScriptTests
{
    static string Script => Path.Combine(TestImages.RepositoryRoot, "deploy-arm64", "install.sh");

    static CliRunner.Result Install(string dest, params string[] args) =>
        CliRunner.Run(Script, args, environment: new Dictionary<string, string> { ["DESTDIR"] = dest });

    [Fact]
    public void Installs_under_the_prefix_keeps_an_edited_config_and_uninstalls()
    {
        Arm64.RequirePublished();
        string dest = TestImages.TemporaryDirectory();
        var r = Install(dest, "--from", Arm64.PublishDir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        foreach (var path in new[] { "usr/local/bin/classsr-edge", "usr/local/lib/classsr-edge/libonnxruntime.so",
            "usr/local/share/classsr-edge/models/manifest.json", "etc/classsr-edge/config.json", "usr/lib/sysusers.d/classsr-edge.conf" })
            Assert.True(File.Exists(Path.Combine(dest, path)), $"{path} not installed");
        string unit = File.ReadAllText(Path.Combine(dest, "etc/systemd/system/classsr-edge.service"));
        Assert.Contains("ExecStart=/usr/local/bin/classsr-edge run --config /etc/classsr-edge/config.json --models /usr/local/share/classsr-edge/models", unit);
        Assert.DoesNotContain("/usr/bin/classsr-edge", unit);

        // A second install (an upgrade) keeps the board's own settings.
        string config = Path.Combine(dest, "etc/classsr-edge/config.json");
        File.WriteAllText(config, "{ \"mode\": \"large\" }\n");
        Assert.Equal(0, Install(dest, "--from", Arm64.PublishDir).ExitCode);
        Assert.Equal("{ \"mode\": \"large\" }\n", File.ReadAllText(config));

        Assert.Equal(0, Install(dest, "--uninstall").ExitCode);
        Assert.False(File.Exists(Path.Combine(dest, "usr/local/bin/classsr-edge")));
        Assert.False(File.Exists(Path.Combine(dest, "etc/systemd/system/classsr-edge.service")));
        Assert.True(File.Exists(config), "--uninstall without --purge keeps the configuration");
        Assert.Equal(0, Install(dest, "--uninstall", "--purge").ExitCode);
        Assert.False(Directory.Exists(Path.Combine(dest, "etc/classsr-edge")));
    }

    [Fact]
    public void The_installed_binary_finds_its_library_and_models_relative_to_itself()
    {
        Assert.True(File.Exists(CliRunner.AotBinary), $"'{CliRunner.AotBinary}' missing: ./build.sh test publishes it first");
        string dest = TestImages.TemporaryDirectory();
        Assert.Equal(0, Install(dest, "--from", Path.GetDirectoryName(CliRunner.AotBinary)!, "--prefix", "/opt/classsr").ExitCode);
        string binary = Path.Combine(dest, "opt/classsr/bin/classsr-edge");
        // No --models and nothing beside the binary: ../lib/classsr-edge/libonnxruntime.so, ../share/classsr-edge/models.
        var info = CliRunner.Run(binary, ["info"]);
        Assert.True(info.ExitCode == 0, info.Stdout + info.Stderr);
        Assert.Contains($"models       {Path.Combine(dest, "opt/classsr/share/classsr-edge/models")}", info.Stdout);
        // Any picture will do (it was Set5's bird, which a clone without ../shared does not have).
        string input = TestImages.SyntheticPng(TestImages.TemporaryDirectory(), 128, 96);
        var up = CliRunner.Run(binary, ["upscale", input, Path.Combine(dest, "out.png"), "--precision", "int8"]);
        Assert.True(up.ExitCode == 0, up.Stderr);
        Assert.DoesNotContain("OnnxRuntime", up.Stdout + up.Stderr);
    }

    [Fact]
    public void Refuses_a_folder_without_a_published_binary()
    {
        var r = Install(TestImages.TemporaryDirectory(), "--from", TestImages.TemporaryDirectory());
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("classsr-edge missing", r.Stderr);
    }
}
