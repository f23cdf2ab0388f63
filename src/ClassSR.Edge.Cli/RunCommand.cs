using ClassSR.Edge.Daemon.Control;
using System.Globalization;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.IO.Gpio;
using ClassSR.Edge.Daemon.Panel;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Service;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Cli;

/// <summary>Everything a run was asked for: the configuration file with the command line laid over it.</summary>
/// <param name="Values">The options as given, kept to tell what a reload changed.</param>
public sealed record RunSettings(DaemonOptions Daemon, EngineOptions Engine, string ModelsDirectory, LogLevel LogLevel, BudgetOptions Budget,
    OptionValues Values);

/// <summary>`classsr-edge run`: the daemon. Binds the options table (<see cref="OptionTable.Run"/>) from the command line over the configuration file and hands over.</summary>
public static class RunCommand
{
    static readonly HashSet<string> Flags = Args.Switches();

    public static int Run(ReadOnlySpan<string> argv)
    {
        string[] args = argv.ToArray();
        var a = new Args(args, Flags);
        string? configPath = a.Get("config");
        string path = configPath ?? ConfigFile.DefaultPath;
        // Only the default file may be absent: a file named on the command line that is missing is a mistake.
        var settings = Resolve(a, ConfigFile.Load(path, optional: configPath is null));

        var log = Log.Stderr(settings.LogLevel);
        using var notifier = SystemdNotifier.FromEnvironment(log);
        DaemonHost host;
        try
        {
            host = new DaemonHost(settings.Daemon, log)
            {
                Notifier = notifier,
                Watchdog = notifier is null ? null : SystemdNotifier.WatchdogInterval(),
                Reload = () => Reload(args, path, configPath is null, ref settings, log),
                MakeUpscaler = mode => MakeUpscaler(settings, mode),
                Budget = () => settings.Budget,
            };
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        using var upscaler = new Upscaler(ModelSet.Load(settings.ModelsDirectory), settings.Engine);
        try
        {
            return host.Run(upscaler);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>
    /// SIGHUP: the file is read again and the command line laid over it again, so flags keep winning. What each option's
    /// change does is in the table (<see cref="Option.Reload"/>): engine options swap in a new upscaler between frames,
    /// the frame budget and the log level apply as they are, and the rest shapes sockets and devices set up at start and
    /// needs a restart, which is logged by name.
    /// </summary>
    static Upscaler? Reload(string[] args, string path, bool optional, ref RunSettings current, Log log)
    {
        var next = Resolve(new Args(args, Flags), ConfigFile.Load(path, optional));
        var needRestart = OptionTable.NeedingRestart(current.Values, next.Values).Select(o => o.Key).ToList();
        if (needRestart.Count > 0)
            log.Warn($"reload: {string.Join(", ", needRestart)} changed; that takes a restart (systemctl restart classsr-edge)");
        log.Minimum = next.LogLevel;
        // A new upscaler starts with an empty reuse cache, as a change of mode or models should.
        bool engineChanged = current.Values.Changed(next.Values, [.. OptionTable.Engine, OptionTable.Reuse, OptionTable.ReuseThreshold, OptionTable.RefreshEvery]).Any();
        if (current.Budget != next.Budget)
            log.Info($"reload: target fps {next.Budget.TargetText}, latency budget {(next.Budget.LatencyBudgetMs is { } ms ? ms.ToString(CultureInfo.InvariantCulture) + " ms" : "auto")}");
        // Applied parts only: what needs a restart stays as it runs, so a later reload compares against that.
        var applied = next.Values.Keep(current.Values, OptionTable.Run.Where(o => o.Reload == Daemon.Config.Reload.Restart));
        current = current with { Engine = next.Engine, ModelsDirectory = next.ModelsDirectory, LogLevel = next.LogLevel, Budget = next.Budget, Values = applied };
        if (!engineChanged)
        {
            log.Info("reload: configuration read; nothing to change in the upscaler");
            return null;
        }
        return new Upscaler(ModelSet.Load(next.ModelsDirectory), next.Engine);
    }

    /// <summary>The running engine's settings in another mode: the GPIO button's A/B switch.</summary>
    static Upscaler MakeUpscaler(RunSettings settings, UpscaleMode mode) =>
        new(ModelSet.Load(settings.ModelsDirectory), settings.Engine.WithMode(mode));

    /// <summary>Lays the command line over <paramref name="file"/>; every flag it reads is consumed.</summary>
    /// <exception cref="UsageException">A bad flag, an unknown flag, or a combination that cannot run.</exception>
    public static RunSettings Resolve(Args a, OptionValues file)
    {
        if (a.Positional.Count != 0)
            throw new UsageException($"run takes no positional arguments (got '{a.Positional[0]}')");
        var values = a.Bind(OptionTable.Run).Over(file);
        a.RejectUnknown();
        DaemonOptions options;
        try
        {
            options = OptionTable.DaemonOf(values);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UsageException(e.Message);
        }
        return new RunSettings(options, OptionTable.EngineOf(values, video: true), OptionTable.ModelsDirectory(values), values.Get(OptionTable.LogLevel),
            OptionTable.BudgetOf(values), values);
    }
}
