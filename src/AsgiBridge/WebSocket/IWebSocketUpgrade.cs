using AsgiBridge.Cycle;

namespace AsgiBridge.WebSocket;

/// <summary>
/// What a <see cref="WebSocketSession"/> asks of the protocol that carried the handshake: AsgiBridge's HTTP/1.1 upgrade
/// (RFC 6455 §4) or ASP.NET Core's <c>HttpContext.WebSockets</c> (an HTTP/1.1 upgrade, or RFC 8441 over HTTP/2). The
/// session owns the ASGI side (events, their order, outcomes); the upgrade owns the handshake's answers and the socket.
/// </summary>
internal interface IWebSocketUpgrade
{
    /// <summary>
    /// The request cycle of the handshake request: an application's own HTTP answer (<c>websocket.http.response</c>)
    /// goes through the same HTTP rules as any response.
    /// </summary>
    RequestCycle Http { get; }

    /// <summary>Cancelled when the connection (HTTP/2: the stream) ends: before accept, nothing else can be received.</summary>
    CancellationToken Aborted { get; }

    /// <summary>Cancelled when the host asks the session to end (graceful shutdown): an open session then closes with 1012.</summary>
    CancellationToken ShutdownRequested { get; }

    /// <summary>
    /// Accepts the handshake with the subprotocol and the application's extra headers (validated), negotiating
    /// permessage-deflate where enabled, and returns the message side of the new socket. A client gone meanwhile is
    /// <see cref="ClientDisconnectedException"/>.
    /// </summary>
    ValueTask<WebSocketMessages> AcceptAsync(string? subprotocol, IReadOnlyList<AsgiHeader> extraHeaders);

    /// <summary>Answers the handshake with the server's own response (403 refusal, 500), unless the application's own answer has begun.</summary>
    ValueTask WriteErrorAsync(ServerAnswer answer);

    /// <summary>Ends an application's own HTTP answer that is incomplete or short of its content-length, so it never looks complete.</summary>
    void AbortHttpAnswer();
}
