namespace AsgiBridge;

/// <summary>
/// An ASGI-style application: called once per HTTP request, once per WebSocket session and once for the
/// lifespan of the host, exactly like an ASGI 3 callable <c>app(scope, receive, send)</c>.
/// </summary>
/// <param name="scope">The connection scope (see <see cref="AsgiScope"/>); a dictionary with ASGI key names.</param>
/// <param name="receive">Awaits the next incoming event.</param>
/// <param name="send">Sends an outgoing event; completes when the server has accepted it (backpressure).</param>
/// <returns>A task that completes when the application is done with this scope.</returns>
public delegate ValueTask AsgiApp(AsgiScope scope, AsgiReceive receive, AsgiSend send);

/// <summary>
/// Awaits the next incoming event: a dictionary with a <c>"type"</c> key, for HTTP an
/// <see cref="HttpRequestEvent"/> or an <see cref="HttpDisconnectEvent"/>.
/// </summary>
/// <returns>The event. Memory it references stays valid after the call returns.</returns>
public delegate ValueTask<IDictionary<string, object?>> AsgiReceive();

/// <summary>
/// Sends an outgoing event: a typed event such as <see cref="HttpResponseStartEvent"/> or any dictionary with
/// the ASGI keys. A malformed event throws <see cref="AsgiProtocolException"/>; sending on a connection the
/// client has closed throws <see cref="ClientDisconnectedException"/>.
/// </summary>
/// <param name="message">The event to send.</param>
/// <returns>A task that completes when the event's bytes are written or buffered within the connection's limit.</returns>
public delegate ValueTask AsgiSend(IDictionary<string, object?> message);
