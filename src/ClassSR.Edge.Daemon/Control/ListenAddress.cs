using System.Globalization;
using System.Net;

namespace ClassSR.Edge.Daemon.Control;

/// <summary>Where the HTTP server binds: ADDR:PORT, [IPv6]:PORT, localhost:PORT or *:PORT; port 0 picks a free one.</summary>
public readonly record struct ListenAddress(IPAddress Address, int Port)
{
    public static readonly ListenAddress Default = new(IPAddress.Loopback, 8080);

    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public static ListenAddress Parse(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            throw new FormatException(Printable.Of($"'{text}' is not ADDR:PORT (e.g. 127.0.0.1:8080)"));
        string host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        IPAddress address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "" => IPAddress.Any,
            _ => IPAddress.TryParse(host, out var a) ? a : throw new FormatException(Printable.Of($"'{host}' is not an IP address (names other than localhost are not resolved)")),
        };
        // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is that IPv4 address: the server cannot bind the mapped form.
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return new ListenAddress(address, port);
    }

    public override string ToString() =>
        Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}
