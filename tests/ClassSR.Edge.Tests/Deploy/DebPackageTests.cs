using System.Text.RegularExpressions;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Deploy;

/// <summary>The .deb that `deploy-arm64/build-deb.sh` makes (the test command builds it before the tests).</summary>
public partial class DebPackageTests
{
    static string Version => VersionTag().Match(File.ReadAllText(Path.Combine(TestImages.RepositoryRoot, "Directory.Build.props"))).Groups[1].Value;
    static string Deb => Path.Combine(TestImages.RepositoryRoot, "artifacts", $"classsr-edge_{Version}_arm64.deb");

    static string RequireDeb()
    {
        Assert.True(File.Exists(Deb), $"'{Deb}' missing: ./build.sh test runs deploy-arm64/build-deb.sh before the tests");
        return Deb;
    }

    /// <summary>The package unpacked into a fresh directory, as dpkg would lay it out under /.</summary>
    static string Unpacked()
    {
        string root = TestImages.TemporaryDirectory();
        var r = CliRunner.Run("dpkg-deb", ["-x", RequireDeb(), root]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return root;
    }

    [Fact]
    public void The_package_is_lintian_clean()
    {
        var r = CliRunner.Run("lintian", ["--fail-on", "error,warning", RequireDeb()], timeoutMs: 600_000);
        // Accepted tags live in the package's own override file, each with its reason (deploy-arm64/debian/lintian-overrides).
        var problems = r.Stdout.Split('\n').Where(l => l.StartsWith("E:", StringComparison.Ordinal) || l.StartsWith("W:", StringComparison.Ordinal)).ToList();
        Assert.True(r.ExitCode == 0 && problems.Count == 0, $"lintian exit {r.ExitCode}:\n{r.Stdout}\n{r.Stderr}");
    }

    [Fact]
    public void The_package_holds_the_binary_the_library_the_models_the_config_and_the_unit()
    {
        string root = Unpacked();
        foreach (var path in new[] { "usr/bin/classsr-edge", "usr/lib/classsr-edge/libonnxruntime.so", "usr/share/classsr-edge/models/manifest.json",
            "etc/classsr-edge/config.json", "lib/systemd/system/classsr-edge.service", "usr/lib/sysusers.d/classsr-edge.conf",
            "usr/share/doc/classsr-edge/copyright", "usr/share/man/man1/classsr-edge.1.gz" })
            Assert.True(File.Exists(Path.Combine(root, path)), $"{path} is not in the package");
        Assert.Equal(Arm64.MachineAarch64, Arm64.ElfMachine(Path.Combine(root, "usr/bin/classsr-edge")));
        Assert.Equal(Arm64.MachineAarch64, Arm64.ElfMachine(Path.Combine(root, "usr/lib/classsr-edge/libonnxruntime.so")));
        Assert.Contains("ARM aarch64", CliRunner.Run("file", [Path.Combine(root, "usr/bin/classsr-edge")]).Stdout);

        var control = CliRunner.Run("dpkg-deb", ["-f", RequireDeb()]).Stdout;
        Assert.Contains("Architecture: arm64", control);
        Assert.Contains($"Version: {Version}", control);
        // A conffile: dpkg keeps an edited config.json on upgrade and asks before replacing it.
        Assert.Equal("/etc/classsr-edge/config.json", CliRunner.Run("dpkg-deb", ["-I", RequireDeb(), "conffiles"]).Stdout.Trim());
        var sysusers = File.ReadAllText(Path.Combine(root, "usr/lib/sysusers.d/classsr-edge.conf"));
        Assert.Matches(@"(?m)^u classsr-edge ", sysusers);
        Assert.Contains("User=classsr-edge", File.ReadAllText(Path.Combine(root, "lib/systemd/system/classsr-edge.service")).Split('\n'));
    }

    [Fact]
    public void The_maintainer_scripts_enable_and_start_on_install_and_stop_and_disable_on_removal()
    {
        string postinst = CliRunner.Run("dpkg-deb", ["-I", RequireDeb(), "postinst"]).Stdout;
        string prerm = CliRunner.Run("dpkg-deb", ["-I", RequireDeb(), "prerm"]).Stdout;
        string postrm = CliRunner.Run("dpkg-deb", ["-I", RequireDeb(), "postrm"]).Stdout;
        Assert.Contains("systemd-sysusers", postinst);
        Assert.Contains("deb-systemd-helper enable 'classsr-edge.service'", postinst);
        Assert.Contains("deb-systemd-invoke $action 'classsr-edge.service'", postinst);
        Assert.Contains("deb-systemd-invoke stop 'classsr-edge.service'", prerm);
        Assert.Contains("deb-systemd-helper mask 'classsr-edge.service'", postrm);
        Assert.Contains("deb-systemd-helper purge 'classsr-edge.service'", postrm);
        foreach (var script in new[] { postinst, prerm, postrm })
        {
            string file = Path.Combine(TestImages.TemporaryDirectory(), "script");
            File.WriteAllText(file, script);
            var syntax = CliRunner.Run("sh", ["-n", file]);
            Assert.True(syntax.ExitCode == 0, syntax.Stderr);
        }
    }

    [Fact]
    public void The_packaged_unit_passes_systemd_analyze_verify()
    {
        string root = Unpacked();
        // verify also checks that ExecStart's binary exists and is executable: point it at the unpacked one.
        string unit = File.ReadAllText(Path.Combine(root, "lib/systemd/system/classsr-edge.service"))
            .Replace("/usr/bin/classsr-edge", Path.Combine(root, "usr/bin/classsr-edge"));
        string dir = TestImages.TemporaryDirectory();
        File.WriteAllText(Path.Combine(dir, "classsr-edge.service"), unit);
        var r = CliRunner.Run("systemd-analyze", ["verify", Path.Combine(dir, "classsr-edge.service")]);
        // verify exits 0 on many warnings; any line it prints is a finding.
        Assert.True(r.ExitCode == 0 && r.Stdout.Trim().Length == 0 && r.Stderr.Trim().Length == 0, $"exit {r.ExitCode}:\n{r.Stdout}\n{r.Stderr}");
    }

    [NeedsQemuNamespaceFact]
    public void The_packaged_binary_finds_its_library_and_models_by_the_package_layout()
    {
        string root = Unpacked();
        // No --models and no LD_LIBRARY_PATH to ONNX Runtime: ../lib/classsr-edge and ../share/classsr-edge/models.
        var r = Arm64.Run("cortex-a76", Path.Combine(root, "usr/bin/classsr-edge"), "info");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains($"models       {Path.Combine(root, "usr/share/classsr-edge/models")}", r.Stdout);
        // Eight files per model set: the x4 set, and the x2 one in models/x2 where the package carries it.
        string models = Path.Combine(root, "usr/share/classsr-edge/models");
        int sets = 1 + (File.Exists(Path.Combine(models, "x2", "manifest.json")) ? 1 : 0);
        Assert.Equal(8 * sets, Regex.Matches(r.Stdout, "sha256 ok").Count);
        if (sets == 2)
            Assert.Contains($"models       {Path.Combine(models, "x2")} (x2,", r.Stdout);
    }

    [Fact]
    public void The_packaged_config_passes_check_config()
    {
        string root = Unpacked();
        var r = CliRunner.Run(CliRunner.AotBinary, ["check-config", Path.Combine(root, "etc/classsr-edge/config.json")]);
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    [GeneratedRegex("<Version>([^<]+)</Version>")]
    private static partial Regex VersionTag();
}
