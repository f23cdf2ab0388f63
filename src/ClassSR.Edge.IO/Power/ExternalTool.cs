using System.ComponentModel;
using System.Diagnostics;

namespace ClassSR.Edge.IO.Power;

/// <summary>Board tools such as vcgencmd, which exist on some boards only.</summary>
public static class ExternalTool
{
    /// <summary>The tool's standard output, or null when it is not installed, fails or takes over two seconds.</summary>
    public static string? Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi);
            if (p is null)
                return null;
            var stdout = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(2000))
            {
                p.Kill(true);
                return null;
            }
            return p.ExitCode == 0 ? stdout.Result : null;
        }
        catch (Win32Exception)
        {
            return null;
        }
    }
}
