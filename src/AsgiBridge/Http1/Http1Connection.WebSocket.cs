using AsgiBridge.WebSocket;

namespace AsgiBridge.Http1;

/// <summary>The hand-over from HTTP/1.1 to a WebSocket session (RFC 6455 §4).</summary>
internal sealed partial class Http1Connection
{
    /// <summary>Serves a request that asks for a WebSocket. The connection always ends with the session.</summary>
    private async ValueTask<bool> ProcessWebSocketAsync()
    {
        // A response pipelined before the upgrade must not wait for the WebSocket application.
        await _output.FlushPendingAsync().ConfigureAwait(false);
        var scope = BuildScope();
        scope.Type = "websocket";
        scope.DeclaresPathSend = false;
        // The http scheme (the connection's, or a trusted proxy's X-Forwarded-Proto / proto=) in its WebSocket form.
        scope.Scheme = scope.Scheme == "https" ? "wss" : "ws";
        StartRequest();
        _telemetry.StartWebSocket(scope, _head);
        _reuse.End(ReuseEnd.Upgraded);

        var handshake = WebSocketHandshake.TryCreate(_head, scope.Headers, out var status, out var message);
        if (handshake is null)
        {
            await _output.WriteErrorResponseAsync(status, message, status == 426 ? "sec-websocket-version: 13\r\n"u8.ToArray() : null).ConfigureAwait(false);
            return false;
        }

        scope.Subprotocols = handshake.Subprotocols;
        scope.Extensions["websocket.http.response"] = new Dictionary<string, object?>(StringComparer.Ordinal);

        // After the upgrade the body meter measures WebSocket messages (the heartbeat then aborts instead of answering 408).
        _timer.MarkUpgraded();
        var upgrade = new Http1WebSocketUpgrade(_context, _settings, handshake, _cycle, _output, _timer, _telemetry);
        using var session = new WebSocketSession(_logger, scope, upgrade);
        await session.RunAsync(_app).ConfigureAwait(false);
        _telemetry.WebSocketClosed(session.CloseCode);
        _cycle.OnAppReturned();
        return false;
    }
}
