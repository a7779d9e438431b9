using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using AsgiBridge.Diagnostics;
using AsgiBridge.Cycle;
using AsgiBridge.Infrastructure;
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
    private const int InitialMessageBuffer = 4 * 1024;

    private readonly HttpContext _context;
    private readonly AsgiScope _scope;
    private readonly AsgiServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly HttpContextResponseWire _wire;
    private readonly RequestCycle _http;
    private readonly AsyncGate _sendLock = new();
    private State _state;
    private System.Net.WebSockets.WebSocket? _socket;
    private bool _connectDelivered;
    private bool _receiveInFlight;
    private int _closeCode = 1006;
    private string? _closeReason;
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
        Connecting,
        HttpResponse,
        Open,
        CloseSent,
        Closed,
    }

    /// <summary>Whether the handshake was accepted, and the close code the session ended with.</summary>
    public (bool Accepted, int CloseCode) Outcome => (_socket is not null, _closeCode);

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
            case State.Open or State.CloseSent:
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

        if (_receiveInFlight)
        {
            ThrowHelper.ThrowProtocol("receive() was called while another receive() for the same WebSocket is still pending.");
        }

        return _state switch
        {
            State.Open or State.CloseSent => ReceiveMessageAsync(),
            State.Closed => new ValueTask<IDictionary<string, object?>>(WebSocketCloseEvent.Disconnect(_closeCode, _closeReason)),
            _ => WaitForDisconnectAsync(),
        };
    }

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

    private async ValueTask<IDictionary<string, object?>> ReceiveMessageAsync()
    {
        _receiveInFlight = true;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialMessageBuffer);
        try
        {
            var socket = _socket!;
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    buffer = Grow(buffer, length);
                }

                ValueWebSocketReceiveResult result;
                try
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    return Finish(socket.CloseStatus is { } sent ? (int)sent : 1006, null);
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return await OnPeerCloseAsync(socket).ConfigureAwait(false);
                }

                length += result.Count;
                if (length > _options.WsMaxSize)
                {
                    // RFC 6455 §7.4.1: 1009, the message is too big to process.
                    await CloseQuietlyAsync(1009, "Message too big").ConfigureAwait(false);
                    return Finish(1009, "Message too big");
                }

                if (result.EndOfMessage)
                {
                    return result.MessageType == WebSocketMessageType.Text
                        ? WebSocketMessageEvent.Received(null, Encoding.UTF8.GetString(buffer, 0, length))
                        : WebSocketMessageEvent.Received(buffer.AsSpan(0, length).ToArray(), null);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _receiveInFlight = false;
        }
    }

    private async ValueTask<IDictionary<string, object?>> OnPeerCloseAsync(System.Net.WebSockets.WebSocket socket)
    {
        var code = socket.CloseStatus is { } status ? (int)status : 1005;
        var reason = socket.CloseStatusDescription;
        if (socket.State == WebSocketState.CloseReceived)
        {
            await _sendLock.EnterAsync().ConfigureAwait(false);
            try
            {
                await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, reason, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer is already gone.
            }
            finally
            {
                _sendLock.Exit();
            }
        }

        return Finish(code, reason);
    }

    private WebSocketCloseEvent Finish(int code, string? reason)
    {
        _state = State.Closed;
        _closeCode = code;
        _closeReason = reason;
        return WebSocketCloseEvent.Disconnect(code, reason);
    }

    private byte[] Grow(byte[] buffer, int length)
    {
        var size = (int)Math.Min((long)buffer.Length * 2, (long)_options.WsMaxSize + 1);
        size = Math.Max(size, length + 1);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
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
            _socket = await _context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = subprotocol,
                DangerousEnableCompression = _options.WsPerMessageDeflate,
                KeepAliveInterval = _options.WsPingInterval,
                KeepAliveTimeout = _options.WsPingInterval > TimeSpan.Zero && _options.WsPingTimeout > TimeSpan.Zero ? _options.WsPingTimeout : Timeout.InfiniteTimeSpan,
            }).ConfigureAwait(false);
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

    private async ValueTask SendMessageAsync(ReadOnlyMemory<byte>? bytes, string? text)
    {
        if (bytes.HasValue == (text is not null))
        {
            ThrowHelper.ThrowProtocol("'websocket.send' event: exactly one of the keys 'bytes' and 'text' must be set.");
        }

        switch (_state)
        {
            case State.Connecting or State.HttpResponse:
                ThrowHelper.ThrowProtocol("'websocket.send' event sent before 'websocket.accept'.");
                break;
            case State.CloseSent or State.Closed:
                throw new ClientDisconnectedException("The WebSocket is closed.");
        }

        await _sendLock.EnterAsync().ConfigureAwait(false);
        try
        {
            var payload = text is not null ? Encoding.UTF8.GetBytes(text) : bytes!.Value;
            await _socket!.SendAsync(payload, text is null ? WebSocketMessageType.Binary : WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            throw new ClientDisconnectedException("The WebSocket connection is gone.", ex);
        }
        finally
        {
            _sendLock.Exit();
        }
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
                if (!IsValidCloseCode(code))
                {
                    ThrowHelper.ThrowProtocol($"'websocket.close' event: key 'code' must be 1000-1003, 1007-1014 or 3000-4999, not {code}.");
                }

                if (reason is not null && Encoding.UTF8.GetByteCount(reason) > 123)
                {
                    ThrowHelper.ThrowProtocol("'websocket.close' event: key 'reason' must be at most 123 bytes of UTF-8.");
                }

                await CloseQuietlyAsync(code, reason).ConfigureAwait(false);
                return;
            default:
                return;
        }
    }

    private async ValueTask CloseQuietlyAsync(int code, string? reason = null)
    {
        var socket = _socket;
        if (socket is not null && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _sendLock.EnterAsync().ConfigureAwait(false);
            try
            {
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer is gone; there is no one left to tell.
            }
            finally
            {
                _sendLock.Exit();
            }
        }

        if (_state == State.Open)
        {
            _state = State.CloseSent;
            _closeCode = code;
            _closeReason = reason;
        }
    }

    private static bool IsValidCloseCode(int code) => code is 1000 or (>= 1001 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    public void Dispose()
    {
        _shutdown.Dispose();
        _socket?.Dispose();
        _sendLock.Dispose();
        _wire.Dispose();
    }

    /// <summary>A WebSocket handshake request has no body.</summary>
    private sealed class NoRequestBody : IRequestBodySource
    {
        public bool IsComplete => true;

        public ValueTask<RequestBodyRead> ReadAsync() => new(new RequestBodyRead(null, Gone: false));
    }
}
