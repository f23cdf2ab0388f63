using System.Globalization;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Engine;

namespace ClassSR.Edge.Cli;

/// <summary>`classsr-edge run`: the daemon. Parses flags into <see cref="DaemonOptions"/> and hands over.</summary>
public static class RunCommand
{
    public static int Run(ReadOnlySpan<string> argv)
    {
        var a = new Args(argv, new HashSet<string> { "loop", "no-promote" });
        if (a.Positional.Count != 0)
            throw new UsageException($"run takes no positional arguments (got '{a.Positional[0]}')");
        DaemonOptions options;
        try
        {
            options = new DaemonOptions
            {
                Source = a.Get("source") ?? "synthetic",
                Raw = a.Get("raw"),
                Fps = a.Get("fps") is null ? null : a.Double("fps", 0),
                Loop = a.Flag("loop"),
                Listen = a.Get("listen") switch
                {
                    null => ListenAddress.Default,
                    "none" => null,
                    var l => ListenAddress.Parse(l),
                },
                AuthToken = a.Get("auth-token"),
                Y4mToStdout = a.Get("output") switch
                {
                    null => false,
                    "y4m:-" => true,
                    var o => throw new UsageException($"--output: '{o}' is not y4m:- (the only output so far)"),
                },
                JpegQuality = a.Int("jpeg-quality", 80),
                Duration = a.Get("seconds") is null ? null : TimeSpan.FromSeconds(a.Double("seconds", 0)),
            };
            options.Validate();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UsageException(e.Message);
        }
        if (options.Duration is { } d && d <= TimeSpan.Zero)
            throw new UsageException($"--seconds {d.TotalSeconds.ToString(CultureInfo.InvariantCulture)} is not positive");
        EngineOptions engine = a.Engine();
        var models = a.Models();
        a.RejectUnknown();

        var log = Log.Stderr();
        DaemonHost host;
        try
        {
            host = new DaemonHost(options, log);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        using var upscaler = new Upscaler(models, engine);
        try
        {
            return host.Run(upscaler);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
