using AsgiBridge.Cycle;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.WebSocket;

internal sealed partial class WebSocketSession
{
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
                return StartHttpResponseAsync(message);
            case "websocket.http.response.body":
                return SendHttpBodyAsync(message);
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
        if (_state != SessionState.Connecting)
        {
            ThrowHelper.ThrowProtocol($"'websocket.accept' event sent {(_state == SessionState.Open ? "twice" : "after the handshake was answered")}.");
        }

        ResponseHeaderInfo.Validate(extraHeaders, "websocket.accept");
        _state = SessionState.Closed; // until the socket exists; stays so if the handshake cannot be answered
        _messages = await _upgrade.AcceptAsync(subprotocol, extraHeaders).ConfigureAwait(false);
        _state = SessionState.Open;
        WakeReceiveAfterAccept();

        // Graceful shutdown: tell the peer we are restarting (RFC 6455 §7.4.1, 1012); its close reply reaches the
        // application as websocket.disconnect through receive.
        _shutdownRegistration = _upgrade.ShutdownRequested.Register(
            static state => _ = ((WebSocketSession)state!).CloseQuietlyAsync(1012, "Service Restart").AsTask(), this);
    }

    private ValueTask SendMessageAsync(ReadOnlyMemory<byte>? bytes, string? text)
    {
        WebSocketMessages.CheckSend(bytes, text);
        switch (_state)
        {
            case SessionState.Connecting or SessionState.HttpResponse:
                ThrowHelper.ThrowProtocol("'websocket.send' event sent before 'websocket.accept'.");
                break;
            case SessionState.Closed:
                throw new ClientDisconnectedException("The WebSocket is closed.");
        }

        return _messages!.SendAsync(bytes, text);
    }

    private async ValueTask CloseAsync(int code, string? reason)
    {
        switch (_state)
        {
            case SessionState.Connecting:
                // ASGI: websocket.close before accept refuses the handshake with 403.
                _state = SessionState.Closed;
                await _upgrade.WriteErrorAsync(ServerAnswer.WebSocketRefused).ConfigureAwait(false);
                return;
            case SessionState.HttpResponse:
                ThrowHelper.ThrowProtocol("'websocket.close' event sent during a 'websocket.http.response'.");
                return;
            case SessionState.Open:
                await _messages!.CloseAsync(code, reason).ConfigureAwait(false);
                return;
            default:
                return; // Already closed: closing again is harmless.
        }
    }

    /// <summary>Sends our close frame (once), when the session was accepted; the peer's answer arrives through receive.</summary>
    private ValueTask CloseQuietlyAsync(int code, string? reason = null) =>
        _messages?.CloseQuietlyAsync(code, reason) ?? default;

    private ValueTask StartHttpResponseAsync(IDictionary<string, object?> message)
    {
        if (_state != SessionState.Connecting)
        {
            ThrowHelper.ThrowProtocol("'websocket.http.response.start' event sent after the handshake was answered.");
        }

        _state = SessionState.HttpResponse;
        return _upgrade.Http.SendAsync(new Dictionary<string, object?>(message, StringComparer.Ordinal) { ["type"] = "http.response.start" });
    }

    private ValueTask SendHttpBodyAsync(IDictionary<string, object?> message)
    {
        if (_state != SessionState.HttpResponse)
        {
            ThrowHelper.ThrowProtocol("'websocket.http.response.body' event sent without 'websocket.http.response.start'.");
        }

        return _upgrade.Http.SendAsync(new Dictionary<string, object?>(message, StringComparer.Ordinal) { ["type"] = "http.response.body" });
    }
}
