using Microsoft.Extensions.Logging;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ClassSR.Edge.Daemon.Control;

/// <summary>Routes ASP.NET Core's own warnings and errors into the daemon's one-line stderr log.</summary>
internal sealed class KestrelLogProvider(Log log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName);

    public void Dispose() { }

    sealed class Logger(Log log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(MsLogLevel logLevel) => logLevel >= MsLogLevel.Warning && logLevel != MsLogLevel.None;

        public void Log<TState>(MsLogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            string message = formatter(state, exception);
            if (exception != null)
                message += $": {exception.GetType().Name}: {exception.Message}";
            log.Write(logLevel >= MsLogLevel.Error ? LogLevel.Error : LogLevel.Warn, $"http: {category}: {message}");
        }
    }
}
