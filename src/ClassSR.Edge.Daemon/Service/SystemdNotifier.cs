using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ClassSR.Edge.Daemon.Service;

/// <summary>Where service state goes: systemd's notify socket in production, a fake in tests.</summary>
public interface IServiceNotifier
{
    /// <summary>Sends one sd_notify state line, e.g. READY=1; never throws (the service manager is optional).</summary>
    void Notify(string state);
}

/// <summary>
/// The sd_notify protocol without libsystemd: one datagram per state to the Unix socket named by NOTIFY_SOCKET
/// (a path, or an abstract name written with a leading '@').
/// </summary>
public sealed class SystemdNotifier : IServiceNotifier, IDisposable
{
    readonly Socket _socket;
    readonly UnixDomainSocketEndPoint _endpoint;
    readonly Log? _log;
    int _failuresLogged;

    public SystemdNotifier(string notifySocket, Log? log = null)
    {
        // Abstract names start with NUL in the address; systemd writes them with '@' in the environment.
        string address = notifySocket.StartsWith('@') ? "\0" + notifySocket[1..] : notifySocket;
        _endpoint = new UnixDomainSocketEndPoint(address);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _log = log;
    }

    /// <summary>Null when the process was not started by a service manager that listens.</summary>
    public static SystemdNotifier? FromEnvironment(Log? log = null) =>
        Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 } s ? new SystemdNotifier(s, log) : null;

    /// <summary>
    /// How often systemd wants WATCHDOG=1, from WATCHDOG_USEC; null when no watchdog is set or it is meant
    /// for another process (WATCHDOG_PID).
    /// </summary>
    public static TimeSpan? WatchdogInterval()
    {
        if (Environment.GetEnvironmentVariable("WATCHDOG_PID") is { Length: > 0 } pid
            && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            return null;
        return ulong.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec) : null;
    }

    public void Notify(string state)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _endpoint);
        }
        catch (SocketException e)
        {
            // Once is enough: the socket stays missing, and STATUS goes out every few seconds.
            if (Interlocked.Exchange(ref _failuresLogged, 1) == 0)
                _log?.Warn($"cannot notify the service manager: {e.Message}");
        }
    }

    public void Dispose() => _socket.Dispose();
}
