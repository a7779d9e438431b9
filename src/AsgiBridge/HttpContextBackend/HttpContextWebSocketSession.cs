using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using AsgiBridge.Infrastructure;
using AsgiBridge.WebSocket;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// One WebSocket session on the HttpContext backend: <c>websocket.connect</c>, then accept through
/// <see cref="WebSocketManager.AcceptWebSocketAsync(WebSocketAcceptContext)"/> (an HTTP/1.1 upgrade, or RFC 8441
/// extended CONNECT over HTTP/2), refusal (403), or the application's own HTTP response (<c>websocket.http.response</c>);
/// then whole messages both ways until a close. The same events, limits and close codes as the HTTP/1.1 handler's
/// session (docs/websocket.md): <c>Asgi:WsMaxSize</c> closes with 1009, an application that raises with 1011, one
/// that returns with 1000, a host shutting down with 1012.
/// </summary>
internal sealed class HttpContextWebSocketSession : IDisposable
{
    private readonly HttpContext _context;
    private readonly AsgiScope _scope;
    private readonly AsgiServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly HttpContextResponseWire _wire;
    private readonly RequestCycle _http;
    private State _state;
    private WebSocketMessages? _messages;
    private bool _connectDelivered;
    private CancellationTokenRegistration _shutdown;

    public HttpContextWebSocketSession(HttpContext context, AsgiScope scope, AsgiServerOptions options, ILogger logger, CancellationToken stopping)
    {
        _context = context;
        _scope = scope;
        _options = options;
        _logger = logger;
        _stopping = stopping;
        _wire = new HttpContextResponseWire(context);
        // websocket.http.response: the application's HTTP answer goes through the shared request cycle's rules.
        _http = new RequestCycle(_wire, new NoRequestBody());
        _wire.Cycle = _http;
        _http.Reset(isHead: false);
    }

    private enum State : byte
    {
        /// <summary>websocket.connect delivered or pending; no answer yet.</summary>
        Connecting,

        /// <summary>The application answers with its own HTTP response (websocket.http.response extension).</summary>
        HttpResponse,

        /// <summary>Accepted: messages flow both ways until a close (<see cref="WebSocketMessages"/> tracks it).</summary>
        Open,

        /// <summary>The session ended before it was accepted (refused, or the connection dropped).</summary>
        Closed,
    }

    /// <summary>Whether the handshake was accepted, and the close code the session ended with.</summary>
    public (bool Accepted, int CloseCode) Outcome => (_messages is not null, _messages?.CloseCode ?? 1006);

    public async Task RunAsync(AsgiApp app)
    {
        Exception? failure = null;
        try
        {
            await app(_scope, ReceiveAsync, SendAsync).ConfigureAwait(false);
        }
        catch (ClientDisconnectedException)
        {
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        switch (_state)
        {
            case State.Connecting:
                if (failure is not null)
                {
                    Log.AppFailedBeforeResponse(_logger, "GET", _scope.Path, failure);
                }
                else
                {
                    Log.WebSocketReturnedWithoutHandshake(_logger, _scope.Path);
                }

                await _wire.WriteErrorAsync(500, "Internal Server Error").ConfigureAwait(false);
                break;
            case State.HttpResponse:
                if (failure is not null)
                {
                    Log.AppFailedAfterResponse(_logger, "GET", _scope.Path, failure);
                }

                _http.OnAppReturned();
                if (!_http.HeadWritten)
                {
                    _http.TryAnswerInstead();
                    await _wire.WriteErrorAsync(500, "Internal Server Error").ConfigureAwait(false);
                }
                else if (!_http.IsComplete || _http.IsShort)
                {
                    _wire.Abort();
                }

                break;
            case State.Open:
                if (failure is not null)
                {
                    Log.WebSocketAppFailed(_logger, _scope.Path, failure);
                }

                // RFC 6455 §7.4.1: 1011 when the server met an unexpected condition; 1000 when the app just ended.
                await CloseQuietlyAsync(failure is null ? 1000 : 1011).ConfigureAwait(false);
                break;
        }
    }

    private ValueTask<IDictionary<string, object?>> ReceiveAsync()
    {
        if (!_connectDelivered)
        {
            _connectDelivered = true;
            return new ValueTask<IDictionary<string, object?>>(new WebSocketConnectEvent());
        }

        if (_messages is { } messages)
        {
            return messages.ReceiveAsync();
        }

        return _state == State.Closed
            ? new ValueTask<IDictionary<string, object?>>(WebSocketCloseEvent.Disconnect(1006))
            : WaitForDisconnectAsync();
    }

    /// <summary>Before accept (or during an HTTP answer) there is nothing to receive but the end of the request.</summary>
    private async ValueTask<IDictionary<string, object?>> WaitForDisconnectAsync()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_context.RequestAborted.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), closed))
        {
            await closed.Task.ConfigureAwait(false);
        }

        _state = State.Closed;
        return WebSocketCloseEvent.Disconnect(1006);
    }

    private ValueTask SendAsync(IDictionary<string, object?> message)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message)
        {
            case WebSocketMessageEvent { Type: WebSocketMessageEvent.SendType } send:
                return SendMessageAsync(send.Bytes, send.Text);
            case WebSocketAcceptEvent accept:
                return AcceptAsync(accept.Subprotocol, accept.Headers);
            case WebSocketCloseEvent { Type: WebSocketCloseEvent.CloseType } close:
                return CloseAsync(close.Code, close.Reason);
        }

        var type = message.TryGetValue("type", out var typeValue) ? typeValue as string : null;
        object? Get(string key) => message.TryGetValue(key, out var value) ? value : null;
        switch (type)
        {
            case WebSocketMessageEvent.SendType:
                var bytes = Get("bytes");
                return SendMessageAsync(bytes is null ? default(ReadOnlyMemory<byte>?) : AsgiValues.ToBytes(bytes, type, "bytes"), AsgiValues.ToNullableString(Get("text"), type, "text"));
            case "websocket.accept":
                return AcceptAsync(AsgiValues.ToNullableString(Get("subprotocol"), type, "subprotocol"), AsgiValues.ToHeaders(Get("headers"), type, "headers"));
            case WebSocketCloseEvent.CloseType:
                var code = Get("code");
                return CloseAsync(code is null ? 1000 : AsgiValues.ToInt(code, type, "code"), AsgiValues.ToNullableString(Get("reason"), type, "reason"));
            case "websocket.http.response.start":
                if (_state != State.Connecting)
                {
                    ThrowHelper.ThrowProtocol("'websocket.http.response.start' event sent after the handshake was answered.");
                }

                _state = State.HttpResponse;
                return _http.SendAsync(new Dictionary<string, object?>(message, StringComparer.Ordinal) { ["type"] = "http.response.start" });
            case "websocket.http.response.body":
                if (_state != State.HttpResponse)
                {
                    ThrowHelper.ThrowProtocol("'websocket.http.response.body' event sent without 'websocket.http.response.start'.");
                }

                return _http.SendAsync(new Dictionary<string, object?>(message, StringComparer.Ordinal) { ["type"] = "http.response.body" });
            case null:
                ThrowHelper.ThrowProtocol("Event has no 'type' key (or it is not a string).");
                return default;
            default:
                ThrowHelper.ThrowProtocol($"Unknown event type '{type}' for a 'websocket' scope.");
                return default;
        }
    }

    private async ValueTask AcceptAsync(string? subprotocol, IReadOnlyList<AsgiHeader> extraHeaders)
    {
        if (_state != State.Connecting)
        {
            ThrowHelper.ThrowProtocol($"'websocket.accept' event sent {(_state == State.Open ? "twice" : "after the handshake was answered")}.");
        }

        ResponseHeaderInfo.Validate(extraHeaders, "websocket.accept");
        foreach (var header in extraHeaders)
        {
            _context.Response.Headers.Append(header.NameString, header.ValueString);
        }

        _state = State.Closed; // until the socket exists; stays so if the handshake cannot be answered
        try
        {
            var socket = await _context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = subprotocol,
                DangerousEnableCompression = _options.WsPerMessageDeflate,
                KeepAliveInterval = _options.WsPingInterval,
                KeepAliveTimeout = _options.WsPingInterval > TimeSpan.Zero && _options.WsPingTimeout > TimeSpan.Zero ? _options.WsPingTimeout : Timeout.InfiniteTimeSpan,
            }).ConfigureAwait(false);
            // Kestrel measures the upgraded stream itself; Asgi:MinRequestBodyDataRate is not applied per message here.
            _messages = new WebSocketMessages(socket, _options.WsMaxSize);
        }
        catch (Exception ex) when (HttpContextResponseWire.IsTransportError(ex))
        {
            throw new ClientDisconnectedException("The client disconnected during the WebSocket handshake.", ex);
        }

        _state = State.Open;
        // Graceful shutdown: tell the peer we are restarting (RFC 6455 §7.4.1, 1012); its close reply reaches the
        // application as websocket.disconnect through receive.
        _shutdown = _stopping.Register(static state => _ = ((HttpContextWebSocketSession)state!).CloseQuietlyAsync(1012, "Service Restart").AsTask(), this);
    }

    private ValueTask SendMessageAsync(ReadOnlyMemory<byte>? bytes, string? text)
    {
        WebSocketMessages.CheckSend(bytes, text);
        switch (_state)
        {
            case State.Connecting or State.HttpResponse:
                ThrowHelper.ThrowProtocol("'websocket.send' event sent before 'websocket.accept'.");
                break;
            case State.Closed:
                throw new ClientDisconnectedException("The WebSocket is closed.");
        }

        return _messages!.SendAsync(bytes, text);
    }

    private async ValueTask CloseAsync(int code, string? reason)
    {
        switch (_state)
        {
            case State.Connecting:
                // ASGI: websocket.close before accept refuses the handshake with 403.
                _state = State.Closed;
                await _wire.WriteErrorAsync(403, "Forbidden").ConfigureAwait(false);
                return;
            case State.HttpResponse:
                ThrowHelper.ThrowProtocol("'websocket.close' event sent during a 'websocket.http.response'.");
                return;
            case State.Open:
                await _messages!.CloseAsync(code, reason).ConfigureAwait(false);
                return;
            default:
                return;
        }
    }

    /// <summary>Sends our close frame (once), when the session was accepted.</summary>
    private ValueTask CloseQuietlyAsync(int code, string? reason = null) =>
        _messages?.CloseQuietlyAsync(code, reason) ?? default;

    public void Dispose()
    {
        _shutdown.Dispose();
        _messages?.Dispose();
        _wire.Dispose();
    }

    /// <summary>A WebSocket handshake request has no body.</summary>
    private sealed class NoRequestBody : IRequestBodySource
    {
        public bool IsComplete => true;

        public ValueTask<RequestBodyRead> ReadAsync() => new(new RequestBodyRead(null, Gone: false));
    }
}
