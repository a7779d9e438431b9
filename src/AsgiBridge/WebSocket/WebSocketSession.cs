using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.WebSocket;

/// <summary>
/// One WebSocket session for one application call, the same on every backend: <c>websocket.connect</c>, then accept,
/// refusal (403) or the application's own HTTP answer (<c>websocket.http.response</c>), then whole messages both ways
/// until a close (docs/websocket.md). What differs by protocol (the handshake's answers, the socket) is the
/// <see cref="IWebSocketUpgrade"/>'s; the messages are <see cref="WebSocketMessages"/>'. Partial files hold receive and send.
/// </summary>
internal sealed partial class WebSocketSession : IDisposable
{
    /// <summary>How long the end of a session waits for the peer's close frame after ours (uvicorn's websockets: 10 s).</summary>
    private static readonly TimeSpan PeerCloseTimeout = TimeSpan.FromSeconds(2);

    private readonly ILogger _logger;
    private readonly AsgiScope _scope;
    private readonly IWebSocketUpgrade _upgrade;

    private SessionState _state;
    private WebSocketMessages? _messages;
    private bool _connectDelivered;
    private CancellationTokenRegistration _shutdownRegistration;

    public WebSocketSession(ILogger logger, AsgiScope scope, IWebSocketUpgrade upgrade)
    {
        _logger = logger;
        _scope = scope;
        _upgrade = upgrade;
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

    /// <summary>Whether the handshake was accepted.</summary>
    public bool Accepted => _messages is not null;

    /// <summary>The close code the session ended with: the peer's or ours, 1006 when the connection dropped.</summary>
    public int CloseCode => _messages?.CloseCode ?? 1006;

    /// <summary>Runs the application for this session. Returns when the connection (or stream) may end.</summary>
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

                await _upgrade.WriteErrorAsync(ServerAnswer.InternalServerError).ConfigureAwait(false);
                break;
            case SessionState.HttpResponse:
                if (failure is not null)
                {
                    Log.AppFailedAfterResponse(_logger, "GET", _scope.Path, failure);
                }

                await FinishHttpAnswerAsync().ConfigureAwait(false);
                break;
            case SessionState.Open:
                if (failure is not null)
                {
                    Log.WebSocketAppFailed(_logger, _scope.Path, failure);
                }

                // RFC 6455 §7.4.1: 1011 when the server met an unexpected condition; 1000 when the app just ended.
                await CloseQuietlyAsync(failure is null ? 1000 : 1011).ConfigureAwait(false);
                await _messages!.AwaitPeerCloseAsync(PeerCloseTimeout).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// Like the end of an http request (docs/contract.md, "App outcomes"): a clean 500 if nothing of the application's
    /// answer is written, an aborted answer if it is incomplete or short.
    /// </summary>
    private async ValueTask FinishHttpAnswerAsync()
    {
        var http = _upgrade.Http;
        http.OnAppReturned();
        if (!http.HeadWritten)
        {
            await _upgrade.WriteErrorAsync(ServerAnswer.InternalServerError).ConfigureAwait(false);
        }
        else if (!http.IsComplete || http.IsShort)
        {
            _upgrade.AbortHttpAnswer();
        }
    }

    public void Dispose()
    {
        _shutdownRegistration.Dispose();
        _messages?.Dispose();
    }
}
