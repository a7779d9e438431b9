using System.Net;

namespace AsgiBridge.Tests.Backends;

/// <summary>A WebSocket handshake the server answered with <see cref="Status"/> instead of accepting it.</summary>
public sealed class WebSocketRefusedException(HttpStatusCode status, Exception inner)
    : Exception($"The WebSocket handshake was answered with {(int)status}.", inner)
{
    public HttpStatusCode Status { get; } = status;
}
