using ClassSR.Edge.Daemon.Config;

namespace ClassSR.Edge.Cli;

/// <summary>
/// `classsr-edge check-config FILE`: what `run --config FILE` would say about the file, without starting
/// anything, so a deploy (or ExecStartPre, or a reload script) can refuse a bad file before it is used.
/// </summary>
public static class CheckConfigCommand
{
    public static int Run(ReadOnlySpan<string> argv)
    {
        var a = new Args(argv, new HashSet<string>());
        if (a.Positional.Count != 1)
            throw new UsageException("check-config takes one FILE");
        a.RejectUnknown();
        string path = a.Positional[0];
        try
        {
            // Combinations too (a public listen address without a token), as run would check them.
            RunCommand.Resolve(new Args([], Args.Switches()), ConfigFile.Load(path));
        }
        catch (Exception e) when (e is ConfigException or UsageException)
        {
            Console.Error.WriteLine(e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}");
            return 1;
        }
        Console.WriteLine("ok");
        return 0;
    }
}
