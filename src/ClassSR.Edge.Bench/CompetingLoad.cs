using System.Diagnostics;
using System.Globalization;

namespace ClassSR.Edge.Bench;

/// <summary>
/// A busy loop pinned to one core (`taskset -c N sh -c 'while :; do :; done'`): another service taking a core, the
/// load the frame-budget controller has to hold the frame rate through. Started and stopped by the bench.
/// </summary>
public sealed class CompetingLoad : IDisposable
{
    Process? _process;

    /// <summary>The core it takes: the last one, so the upscaler's first thread keeps core 0.</summary>
    public int Core { get; } = Math.Max(0, Environment.ProcessorCount - 1);

    public bool Running => _process is { HasExited: false };

    /// <exception cref="IOException">taskset or sh cannot be started.</exception>
    public void Start()
    {
        if (Running)
            return;
        try
        {
            _process = Process.Start(new ProcessStartInfo("taskset", ["-c", Core.ToString(CultureInfo.InvariantCulture), "sh", "-c", "while :; do :; done"])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
            }) ?? throw new IOException("taskset did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"--load needs taskset (util-linux): {e.Message}");
        }
    }

    public void Stop()
    {
        if (_process is not { } p)
            return;
        try
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true);
            p.WaitForExit(2000);
        }
        catch (InvalidOperationException)
        {
        }
        p.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();
}
