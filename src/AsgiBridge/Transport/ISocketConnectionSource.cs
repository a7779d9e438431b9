using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace AsgiBridge.Transport;

/// <summary>
/// Makes the transport connection for a socket the server's accept loop took (<see cref="AsgiSocketListener"/>), in
/// place of Kestrel's own socket connection. Registered as a service, it is used for every socket the accept loop
/// gives it, after <c>Asgi:LimitConnections</c> was judged, so accepting, limits and descriptor exhaustion stay in
/// one place. The Python bridge uses it to do a connection's socket reads and writes on the Python event loop's
/// thread (docs/python.md, "Sockets on the event loop").
/// </summary>
internal interface ISocketConnectionSource
{
    /// <summary>The connection for <paramref name="accepted"/>, or null for Kestrel's own.</summary>
    ConnectionContext? TryCreate(Socket accepted);
}
