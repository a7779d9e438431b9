using System.Net.Sockets;

namespace AsgiBridge.Python.Sockets;

/// <summary>How a socket error ends a connection, as Kestrel's socket transport judges it.</summary>
internal static class SocketErrors
{
    /// <summary>The peer reset the connection (or it is shut down): the input ends with a <c>ConnectionResetException</c>.</summary>
    public static bool IsReset(SocketError error) => error is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted;
}
