using System.Buffers.Binary;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Deploy;

/// <summary>The cross-built arm64 output of `./build.sh publish-arm64` (the test command makes it first) and qemu.</summary>
internal static class Arm64
{
    public static string PublishDir => Path.Combine(TestImages.RepositoryRoot, "artifacts", "linux-arm64");
    public static string Binary => Path.Combine(PublishDir, "classsr-edge");
    public static string Models => Path.Combine(PublishDir, "models");
    public static string QemuRun => Path.Combine(TestImages.RepositoryRoot, "deploy-arm64", "qemu", "run.sh");

    public const ushort MachineAarch64 = 183, MachineX86_64 = 62;

    /// <summary>The ELF e_machine of a file, or null when it is not ELF.</summary>
    public static ushort? ElfMachine(string path)
    {
        Span<byte> head = stackalloc byte[20];
        using var f = File.OpenRead(path);
        if (f.ReadAtLeast(head, 20, throwOnEndOfStream: false) < 20 || !head[..4].SequenceEqual("\u007FELF"u8))
            return null;
        return BinaryPrimitives.ReadUInt16LittleEndian(head[18..]);
    }

    public static void RequirePublished()
    {
        Assert.True(File.Exists(Binary), $"'{Binary}' missing: ./build.sh test runs ./build.sh publish-arm64 before the tests");
    }

    /// <summary>Runs the arm64 binary under qemu as <paramref name="cpu"/> (cortex-a72: Pi 4, cortex-a76: Pi 5).</summary>
    public static CliRunner.Result Run(string cpu, string binary, params string[] args) =>
        CliRunner.Run(QemuRun, ["--cpu", cpu, binary, .. args], timeoutMs: 300_000);
}

/// <summary>
/// Skipped, with the reason, only where qemu cannot run ONNX Runtime here: no private mount namespace to give it an
/// ARM /proc/cpuinfo (the script exits 77). A missing qemu fails instead: the test command installs it.
/// </summary>
public sealed class NeedsQemuNamespaceFactAttribute : FactAttribute
{
    static readonly Lazy<string?> Reason = new(() =>
    {
        var r = CliRunner.Run(Arm64.QemuRun, ["/bin/true"]);
        return r.ExitCode == 77 ? r.Stderr.Trim() : null;
    });

    public NeedsQemuNamespaceFactAttribute()
    {
        if (Reason.Value is { } why)
            Skip = why;
    }
}
