namespace AsgiBridge.WebSocket;

/// <summary>The HTTP side of the connection, for the answers a WebSocket session gives without upgrading.</summary>
internal interface IWebSocketHttpFallback
{
    /// <summary>Sends an <c>http.response.*</c> event through the connection's HTTP response machinery.</summary>
    ValueTask SendHttpAsync(IDictionary<string, object?> message);

    /// <summary>Writes a short plain-text error response with <c>Connection: close</c>.</summary>
    ValueTask WriteErrorAsync(int status, string message);

    /// <summary>Writes the head of a response (101) directly: the status line, these header lines, and the server's own.</summary>
    ValueTask WriteSwitchingProtocolsAsync(IReadOnlyList<AsgiHeader> headers);
}
