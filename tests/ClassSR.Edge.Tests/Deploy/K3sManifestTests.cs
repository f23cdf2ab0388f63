using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Deploy;

/// <summary>
/// deploy-arm64/k3s/classsr-edge.yaml against the Kubernetes API schemas (kubernetes-models, run by check.mjs under
/// node; the test command runs npm ci there), with no cluster.
/// </summary>
public class K3sManifestTests
{
    static string Folder => Path.Combine(TestImages.RepositoryRoot, "deploy-arm64", "k3s");
    static string Manifest => Path.Combine(Folder, "classsr-edge.yaml");

    static CliRunner.Result Check(string file)
    {
        Assert.True(Directory.Exists(Path.Combine(Folder, "node_modules", "kubernetes-models")),
            "deploy-arm64/k3s/node_modules missing: ./build.sh test runs npm ci there");
        return CliRunner.Run("node", [Path.Combine(Folder, "check.mjs"), file]);
    }

    [Fact]
    public void The_manifest_passes_the_schema_check()
    {
        var r = Check(Manifest);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("apps/v1 DaemonSet classsr-edge", r.Stdout);
    }

    [Fact]
    public void The_schema_check_catches_a_wrong_type()
    {
        string broken = Path.Combine(TestImages.TemporaryDirectory(), "broken.yaml");
        File.WriteAllText(broken, File.ReadAllText(Manifest).Replace("runAsUser: 65532", "runAsUser: nobody"));
        var r = Check(broken);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("runAsUser must be integer", r.Stderr);
    }

    [Fact]
    public void The_DaemonSet_runs_on_arm64_with_the_camera_the_scrape_annotations_and_the_hardening()
    {
        var lines = File.ReadAllLines(Manifest).Select(l => l.Trim()).ToHashSet();
        foreach (var line in new[] { "kind: DaemonSet", "kubernetes.io/arch: arm64", "prometheus.io/scrape: \"true\"", "prometheus.io/port: \"8080\"",
            "prometheus.io/path: /metrics", "runAsNonRoot: true", "allowPrivilegeEscalation: false", "privileged: false",
            "readOnlyRootFilesystem: true", "drop: [\"ALL\"]", "type: RuntimeDefault", "automountServiceAccountToken: false",
            "squat.ai/video: 1", "supplementalGroups: [44]" })
            Assert.Contains(line, lines);
    }

    [Fact]
    public void The_ConfigMap_holds_a_config_that_check_config_accepts()
    {
        string text = File.ReadAllText(Manifest);
        int start = text.IndexOf("config.json: |", StringComparison.Ordinal);
        Assert.True(start > 0, "no config.json in the ConfigMap");
        var body = text[(start + "config.json: |".Length)..].Split("\n---")[0];
        string file = Path.Combine(TestImages.TemporaryDirectory(), "config.json");
        File.WriteAllText(file, body);
        var r = CliRunner.Run(CliRunner.AotBinary, ["check-config", file]);
        Assert.True(r.ExitCode == 0, r.Stderr);
    }
}
