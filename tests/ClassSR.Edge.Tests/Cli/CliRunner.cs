using System.Diagnostics;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Cli;

/// <summary>Runs the CLI as a user would: a separate process, its exit code and its output.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    static string JitDll => Path.Combine(AppContext.BaseDirectory, "classsr-edge.dll");

    public static string AotBinary => Path.Combine(TestImages.RepositoryRoot, "artifacts", "linux-x64", "classsr-edge");

    public static Result Jit(params string[] args) => Run("dotnet", [JitDll, .. args]);

    public static Result Run(string exe, IEnumerable<string> args, int timeoutMs = 120_000, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
