namespace ClassSR.Edge.Daemon;

public enum LogLevel { Debug, Info, Warn, Error }

/// <summary>
/// One line per event on stderr, so stdout stays free for frames (--output y4m:-) and journald gets whole
/// records. Thread-safe: each event is a single WriteLine on a synchronized writer.
/// </summary>
public sealed class Log(TextWriter writer, LogLevel minimum = LogLevel.Info)
{
    public static Log Stderr(LogLevel minimum = LogLevel.Info) => new(Console.Error, minimum);

    volatile LogLevel _minimum = minimum;

    /// <summary>Settable so a configuration reload (SIGHUP) can change it while threads log.</summary>
    public LogLevel Minimum { get => _minimum; set => _minimum = value; }

    public bool Enabled(LogLevel level) => level >= Minimum;

    public void Write(LogLevel level, string message)
    {
        if (!Enabled(level))
            return;
        // A message with a newline (an exception's) would split the record.
        string line = message.Contains('\n') ? message.ReplaceLineEndings(" | ") : message;
        writer.WriteLine($"classsr-edge: {Name(level)}: {line}");
    }

    public void Info(string message) => Write(LogLevel.Info, message);
    public void Warn(string message) => Write(LogLevel.Warn, message);
    public void Error(string message) => Write(LogLevel.Error, message);

    static string Name(LogLevel level) => level switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Info => "info",
        LogLevel.Warn => "warn",
        _ => "error",
    };
}
