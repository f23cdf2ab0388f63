using System.Net.Sockets;
using System.Text;
using ClassSR.Edge.Daemon.Service;
using Xunit;
using ClassSR.Edge.Tests.Daemon;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Service;

public class SystemdNotifierTests
{
    sealed class FakeNotifier : IServiceNotifier
    {
        public List<string> Sent { get; } = [];
        public void Notify(string state) => Sent.Add(state);
    }

    static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    [Fact]
    public void Ready_after_the_first_frame_then_status_and_a_watchdog_only_while_frames_flow()
    {
        var fake = new FakeNotifier();
        var hb = new ServiceHeartbeat(fake, watchdog: S(4), statusPeriod: S(5));
        hb.Tick(S(0), 0, () => "starting");
        Assert.Equal(["STATUS=starting"], fake.Sent);
        fake.Sent.Clear();

        hb.Tick(S(1), 3, () => "10 fps");
        Assert.Equal(["READY=1\nSTATUS=10 fps", "WATCHDOG=1"], fake.Sent);
        fake.Sent.Clear();

        hb.Tick(S(2), 13, () => "10 fps");   // half the interval has not passed
        Assert.Empty(fake.Sent);
        hb.Tick(S(3), 23, () => "10 fps");
        Assert.Equal(["WATCHDOG=1"], fake.Sent);
        fake.Sent.Clear();

        // Stuck: no frames processed since the last ping, so systemd is left to notice.
        hb.Tick(S(5.5), 23, () => "stuck");
        hb.Tick(S(7), 23, () => "stuck");
        Assert.Equal(["STATUS=stuck"], fake.Sent);
        fake.Sent.Clear();
        hb.Tick(S(7.5), 24, () => "moving");
        Assert.Equal(["WATCHDOG=1"], fake.Sent);
        hb.Stopping();
        Assert.Equal("STOPPING=1", fake.Sent[^1]);
    }

    [Fact]
    public void Without_a_watchdog_it_never_pings()
    {
        var fake = new FakeNotifier();
        var hb = new ServiceHeartbeat(fake, watchdog: null);
        for (int i = 0; i < 20; i++)
            hb.Tick(S(i), i, () => "x");
        Assert.DoesNotContain("WATCHDOG=1", fake.Sent);
        Assert.Single(fake.Sent, m => m.StartsWith("READY=1", StringComparison.Ordinal));
    }

    static string Receive(Socket s)
    {
        var buffer = new byte[4096];
        s.ReceiveTimeout = 10_000;
        int n = s.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void Sends_datagrams_to_a_socket_path()
    {
        string path = Path.Combine(TestImages.TemporaryDirectory(), "notify.sock");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        using var notifier = new SystemdNotifier(path);
        notifier.Notify("READY=1");
        notifier.Notify("STATUS=12.0 fps");
        Assert.Equal("READY=1", Receive(server));
        Assert.Equal("STATUS=12.0 fps", Receive(server));
    }

    [Fact]
    public void Sends_datagrams_to_an_abstract_socket_written_with_an_at_sign()
    {
        string name = "classsr-edge-test-" + Guid.NewGuid().ToString("N");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using var notifier = new SystemdNotifier("@" + name);
        notifier.Notify("WATCHDOG=1");
        Assert.Equal("WATCHDOG=1", Receive(server));
    }

    [Fact]
    public void A_missing_socket_does_not_throw() =>
        new SystemdNotifier(Path.Combine(TestImages.TemporaryDirectory(), "nobody.sock")).Notify("READY=1");

    [Fact]
    public void The_daemon_reports_ready_status_watchdog_and_stopping_and_reloads_on_sighup()
    {
        string dir = TestImages.TemporaryDirectory();
        string sock = Path.Combine(dir, "notify.sock");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(sock));
        string config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, """{"mode": "small", "precision": "fp32", "fps": 10}""");
        // As systemd starts it: SIGHUP at its default. A test run under nohup (or a CI runner that ignores SIGHUP)
        // would otherwise hand the ignored disposition down, and .NET leaves an ignored signal ignored.
        using var daemon = new DaemonProcess("env", ["--default-signal=HUP", "dotnet", Path.Combine(AppContext.BaseDirectory, "classsr-edge.dll")],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = sock, ["WATCHDOG_USEC"] = "2000000" },
            "--config", config, "--listen", "127.0.0.1:0", "--models", TestModels.Quick().Directory, "--seconds", "60");
        daemon.WaitForUrl(TimeSpan.FromSeconds(15));

        var got = new List<string>();
        bool Has(string prefix) => got.Any(m => m.Split('\n').Any(l => l.StartsWith(prefix, StringComparison.Ordinal)));
        while (!(Has("READY=1") && Has("WATCHDOG=1") && Has("STATUS=")))
            got.Add(Receive(server));
        Assert.Contains(got, m => m.Contains("fps processed", StringComparison.Ordinal) && m.Contains("small", StringComparison.Ordinal));

        // A bad file on reload is refused and the daemon keeps going.
        File.WriteAllText(config, """{"mode": "huge"}""");
        daemon.Hangup();
        daemon.WaitForLog("reload rejected, keeping the running configuration: " + config + ": \"mode\": \"huge\"", TimeSpan.FromSeconds(10));

        // A good one swaps the upscaler between frames; a change that needs a restart is said so.
        File.WriteAllText(config, """{"mode": "bicubic", "precision": "fp32", "fps": 5}""");
        daemon.Hangup();
        daemon.WaitForLog("now upscaling with bicubic", TimeSpan.FromSeconds(20));
        Assert.Contains("fps changed; that takes a restart", daemon.Stderr);
        string m;
        do
            m = Receive(server);
        while (!(m.StartsWith("STATUS=", StringComparison.Ordinal) && m.Contains("bicubic", StringComparison.Ordinal)));

        daemon.Terminate();
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(10)), daemon.Stderr);
        Assert.Equal(0, daemon.Process.ExitCode);
        while (!Has("STOPPING=1"))
            got.Add(Receive(server));
    }
}
