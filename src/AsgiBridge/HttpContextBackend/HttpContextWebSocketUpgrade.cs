using AsgiBridge.Cycle;
using AsgiBridge.WebSocket;
using Microsoft.AspNetCore.Http;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// A WebSocket session's handshake on the HttpContext backend: accepted through
/// <see cref="WebSocketManager.AcceptWebSocketAsync(WebSocketAcceptContext)"/> (an HTTP/1.1 upgrade, or RFC 8441 extended
/// CONNECT over HTTP/2), refused or answered over the request's own response. The messages are the same
/// <see cref="WebSocketMessages"/> as on AsgiBridge's handler; Kestrel measures the upgraded stream itself, so
/// <c>Asgi:MinRequestBodyDataRate</c> is not applied per message here (docs/aspnetcore.md).
/// </summary>
internal sealed class HttpContextWebSocketUpgrade : IWebSocketUpgrade, IDisposable
{
    private readonly HttpContext _context;
    private readonly AsgiServerOptions _options;
    private readonly HttpContextResponseWire _wire;

    public HttpContextWebSocketUpgrade(HttpContext context, AsgiServerOptions options, Hosting.DefaultResponseHeaders defaults, CancellationToken stopping)
    {
        _context = context;
        _options = options;
        ShutdownRequested = stopping;
        _wire = new HttpContextResponseWire(context, defaults);
        // websocket.http.response: the application's HTTP answer goes through the shared request cycle's rules.
        Http = new RequestCycle(_wire, new NoRequestBody());
        _wire.Cycle = Http;
        Http.Reset(isHead: false);
    }

    public RequestCycle Http { get; }

    public CancellationToken Aborted => _context.RequestAborted;

    public CancellationToken ShutdownRequested { get; }

    public async ValueTask<WebSocketMessages> AcceptAsync(string? subprotocol, IReadOnlyList<AsgiHeader> extraHeaders)
    {
        _wire.AddDefaultHeaders();
        foreach (var header in extraHeaders)
        {
            _context.Response.Headers.Append(header.NameString, header.ValueString);
        }

        try
        {
            var socket = await _context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = subprotocol,
                DangerousEnableCompression = _options.WsPerMessageDeflate,
                KeepAliveInterval = _options.WsPingInterval,
                KeepAliveTimeout = _options.WsPingInterval > TimeSpan.Zero && _options.WsPingTimeout > TimeSpan.Zero ? _options.WsPingTimeout : Timeout.InfiniteTimeSpan,
            }).ConfigureAwait(false);
            return new WebSocketMessages(socket, _options.WsMaxSize);
        }
        catch (Exception ex) when (HttpContextResponseWire.IsTransportError(ex))
        {
            throw new ClientDisconnectedException("The client disconnected during the WebSocket handshake.", ex);
        }
    }

    public async ValueTask WriteErrorAsync(ServerAnswer answer)
    {
        if (Http.TryAnswerInstead())
        {
            await _wire.WriteAnswerAsync(answer).ConfigureAwait(false);
        }
    }

    public void AbortHttpAnswer() => _wire.Abort();

    public void Dispose() => _wire.Dispose();

    /// <summary>A WebSocket handshake request has no body.</summary>
    private sealed class NoRequestBody : IRequestBodySource
    {
        public bool IsComplete => true;

        public ValueTask<RequestBodyRead> ReadAsync() => new(new RequestBodyRead(null, Gone: false));
    }
}
