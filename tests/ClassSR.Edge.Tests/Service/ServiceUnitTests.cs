using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Service;

/// <summary>Skipped, visibly, where systemd's tools are not installed (they are not a build dependency).</summary>
public sealed class NeedsSystemdAnalyzeFactAttribute : FactAttribute
{
    public static readonly string? Tool = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);

    public NeedsSystemdAnalyzeFactAttribute()
    {
        if (Tool is null)
            Skip = "systemd-analyze is not installed";
    }
}

public partial class ServiceUnitTests
{
    static string Unit => Path.Combine(TestImages.RepositoryRoot, "deploy-arm64", "classsr-edge.service");

    [NeedsSystemdAnalyzeFact]
    public void The_unit_is_hardened_to_an_exposure_of_at_most_2()
    {
        var r = CliRunner.Run(NeedsSystemdAnalyzeFactAttribute.Tool!, ["security", "--offline=yes", "--no-pager", Unit]);
        var m = Exposure().Match(r.Stdout);
        Assert.True(m.Success, $"no exposure line (exit {r.ExitCode}):\n{r.Stdout}\n{r.Stderr}");
        double exposure = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 2.0, $"exposure {exposure} > 2.0:\n{r.Stdout}");
    }

    [Fact]
    public void The_unit_uses_the_notify_protocol_the_watchdog_and_sighup_reload()
    {
        string text = File.ReadAllText(Unit);
        foreach (var line in new[] { "Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "NoNewPrivileges=yes", "ProtectSystem=strict",
            "PrivateTmp=yes", "RuntimeDirectory=classsr-edge", "SupplementaryGroups=video gpio i2c" })
            Assert.Contains(line, text.Split('\n'));
        Assert.Matches(@"(?m)^WatchdogSec=\d+s$", text);
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+(?:\.\d+)?)")]
    private static partial Regex Exposure();
}
