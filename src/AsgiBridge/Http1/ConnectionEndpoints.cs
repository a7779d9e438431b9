using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace AsgiBridge.Http1;

/// <summary>The ASGI <c>client</c> and <c>server</c> pairs of a connection, computed once per connection.</summary>
internal static class ConnectionEndpoints
{
    public static (AsgiEndpoint? Client, AsgiEndpoint? Server) Describe(ConnectionContext context) =>
        (Describe(context.RemoteEndPoint, isServer: false), Describe(context.LocalEndPoint, isServer: true));

    private static AsgiEndpoint? Describe(EndPoint? endPoint, bool isServer) => endPoint switch
    {
        IPEndPoint ip => new AsgiEndpoint(Address(ip.Address), ip.Port),
        UnixDomainSocketEndPoint unix when isServer => new AsgiEndpoint(unix.ToString(), null),
        _ => null,
    };

    private static string Address(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();
}
