using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Xunit;

namespace ClassSR.Edge.Tests.Daemon;

/// <summary>`classsr-edge run` as a child process (the JIT build beside the tests), with its stderr collected.</summary>
internal sealed partial class DaemonProcess : IDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _stderr = new();
    public Stream Stdout => _process.StandardOutput.BaseStream;

    public DaemonProcess(params string[] args) : this(null, args) { }

    public DaemonProcess(IReadOnlyDictionary<string, string>? environment, params string[] args)
        : this("dotnet", [Path.Combine(AppContext.BaseDirectory, "classsr-edge.dll")], environment, args) { }

    /// <summary>`run` of another build: <paramref name="launcher"/> with <paramref name="launcherArgs"/> before "run"
    /// (the AOT binary itself, or qemu's wrapper and the arm64 binary).</summary>
    public DaemonProcess(string launcher, IEnumerable<string> launcherArgs, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(launcher)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
            psi.Environment[k] = v;
        foreach (var a in launcherArgs)
            psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("run");
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null)
                _stderr.Enqueue(e.Data);
        };
        _process.BeginErrorReadLine();
    }

    public string Stderr => string.Join('\n', _stderr);
    public Process Process => _process;

    /// <summary>The URL the daemon prints once it serves (it picks the port when told :0).</summary>
    public Uri WaitForUrl(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            foreach (var line in _stderr)
            {
                var m = ServingLine().Match(line);
                if (m.Success)
                    return new Uri(m.Groups[1].Value);
            }
            if (_process.HasExited)
                Assert.Fail($"daemon exited with {_process.ExitCode} before serving:\n{Stderr}");
            Thread.Sleep(50);
        }
        Assert.Fail($"daemon did not report a URL in {timeout.TotalSeconds} s:\n{Stderr}");
        return null!;
    }

    [GeneratedRegex(@"serving (http://\S+/)")]
    private static partial Regex ServingLine();

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int signal);

    public void Terminate() => Assert.Equal(0, kill(_process.Id, 15));

    public void Hangup() => Assert.Equal(0, kill(_process.Id, 1));

    /// <summary>Waits for a stderr line containing <paramref name="text"/>.</summary>
    public void WaitForLog(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_stderr.Any(l => l.Contains(text, StringComparison.Ordinal)))
                return;
            if (_process.HasExited)
                Assert.Fail($"daemon exited with {_process.ExitCode} before logging '{text}':\n{Stderr}");
            Thread.Sleep(50);
        }
        Assert.Fail($"daemon did not log '{text}' in {timeout.TotalSeconds} s:\n{Stderr}");
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}
