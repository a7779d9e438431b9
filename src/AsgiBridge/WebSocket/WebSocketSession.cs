using System.IO.Pipelines;
using AsgiBridge.Diagnostics;
using AsgiBridge.Http1;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using BclWebSocket = System.Net.WebSockets.WebSocket;

namespace AsgiBridge.WebSocket;

/// <summary>
/// One WebSocket session for one application call: <c>websocket.connect</c>, then accept (101) or refusal (403, or
/// the application's own response), then messages both ways until a close. Framing, masking, fragmentation,
/// control frames, UTF-8 validation and permessage-deflate are the BCL's (<see cref="BclWebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>);
/// this class maps them to ASGI events and enforces the message size limit. Partial files hold receive and send.
/// </summary>
internal sealed partial class WebSocketSession : IDisposable
{
    private readonly ConnectionContext _context;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ConnectionSettings _settings;

    /// <summary>Asgi:MinRequestBodyDataRate applied to a message once its first piece has arrived (null when off).</summary>
    private readonly Http1.Rates.ReadRateMeter? _messageRate;
    private readonly ILogger _logger;
    private readonly AsgiScope _scope;
    private readonly WebSocketHandshake _handshake;
    private readonly IWebSocketHttpFallback _http;
    private readonly Http1.ISendDeadline _sendDeadline;

    private SessionState _state;
    private WebSocketMessages? _messages;
    private bool _connectDelivered;
    private CancellationTokenRegistration _shutdownRegistration;

    public WebSocketSession(ConnectionContext context, ConnectionSettings settings, ILogger logger, AsgiScope scope, WebSocketHandshake handshake, IWebSocketHttpFallback http, Http1.ISendDeadline sendDeadline, Http1.Rates.ReadRateMeter? messageRate)
    {
        _context = context;
        _input = context.Transport.Input;
        _output = context.Transport.Output;
        _settings = settings;
        _messageRate = messageRate;
        _logger = logger;
        _scope = scope;
        _handshake = handshake;
        _http = http;
        _sendDeadline = sendDeadline;
    }

    private enum SessionState : byte
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

    /// <summary>The close code the session ended with: the peer's or ours, 1006 when the connection dropped.</summary>
    public int CloseCode => _messages?.CloseCode ?? 1006;

    /// <summary>Runs the application for this session. Returns when the connection may be closed.</summary>
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
            case SessionState.Connecting:
                // No answer to the handshake: like uvicorn, a 500 (the client sees a failed handshake).
                if (failure is not null)
                {
                    Log.AppFailedBeforeResponse(_logger, "GET", _scope.Path, failure);
                }
                else
                {
                    Log.WebSocketReturnedWithoutHandshake(_logger, _scope.Path);
                }

                await _http.WriteErrorAsync(500, "Internal Server Error").ConfigureAwait(false);
                break;
            case SessionState.HttpResponse:
                if (failure is not null)
                {
                    Log.AppFailedAfterResponse(_logger, "GET", _scope.Path, failure);
                }

                // Like the HTTP path: if nothing of the application's answer reached the wire, a clean 500.
                await _http.WriteErrorAsync(500, "Internal Server Error").ConfigureAwait(false);
                break;
            case SessionState.Open:
                if (failure is not null)
                {
                    Log.WebSocketAppFailed(_logger, _scope.Path, failure);
                }

                // RFC 6455 §7.4.1: 1011 when the server met an unexpected condition; 1000 when the app just ended.
                await CloseQuietlyAsync(failure is null ? 1000 : 1011).ConfigureAwait(false);
                break;
        }
    }

    public void Dispose()
    {
        _shutdownRegistration.Dispose();
        _messages?.Dispose();
    }
}
