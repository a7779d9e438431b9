using System.Net.WebSockets;
using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using AsgiBridge.WebSocket;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace AsgiBridge.Http1;

/// <summary>
/// A WebSocket session's handshake on AsgiBridge's HTTP/1.1 handler (RFC 6455 §4): the 101 head written by the output
/// producer, then the BCL WebSocket over the connection's own pipes (framing checked by <see cref="ClientFrameGuard"/>,
/// sends under the connection's send deadline, messages under <c>Asgi:MinRequestBodyDataRate</c>). The connection
/// always ends with the session, so an incomplete HTTP answer needs nothing more than that close.
/// </summary>
internal sealed class Http1WebSocketUpgrade : IWebSocketUpgrade
{
    private readonly ConnectionContext _context;
    private readonly ConnectionSettings _settings;
    private readonly WebSocketHandshake _handshake;
    private readonly Http1OutputProducer _output;
    private readonly ISendDeadline _sendDeadline;
    private readonly Rates.ReadRateMeter? _messageRate;
    private readonly RequestTelemetry _telemetry;

    public Http1WebSocketUpgrade(ConnectionContext context, ConnectionSettings settings, WebSocketHandshake handshake, RequestCycle http, Http1OutputProducer output, ConnectionTimer timer, RequestTelemetry telemetry)
    {
        _context = context;
        _settings = settings;
        _handshake = handshake;
        Http = http;
        _output = output;
        _sendDeadline = timer;
        _messageRate = timer.BodyRate;
        _telemetry = telemetry;
    }

    public RequestCycle Http { get; }

    public CancellationToken Aborted => _context.ConnectionClosed;

    public CancellationToken ShutdownRequested =>
        _context.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;

    public async ValueTask<WebSocketMessages> AcceptAsync(string? subprotocol, IReadOnlyList<AsgiHeader> extraHeaders)
    {
        string? extensionResponse = null;
        var deflate = _settings.WsPerMessageDeflate && _handshake.ExtensionsOffer.Length > 0
            ? PerMessageDeflateNegotiator.Negotiate(_handshake.ExtensionsOffer, out extensionResponse)
            : null;

        var headers = new List<AsgiHeader>(4 + extraHeaders.Count)
        {
            new("upgrade", "websocket"),
            new("connection", "Upgrade"),
            new("sec-websocket-accept", _handshake.Accept),
        };
        if (subprotocol is not null)
        {
            headers.Add(new AsgiHeader("sec-websocket-protocol", subprotocol));
        }

        if (extensionResponse is not null)
        {
            headers.Add(new AsgiHeader("sec-websocket-extensions", extensionResponse));
        }

        headers.AddRange(extraHeaders);
        await _output.WriteSwitchingProtocolsAsync(headers).ConfigureAwait(false);
        _telemetry.WebSocketAccepted();

        // The connection is no longer an HTTP request: it does not count against Kestrel's connection limit.
        _context.Features.Get<IDecrementConcurrentConnectionCountFeature>()?.ReleaseConnection();
        var guard = new ClientFrameGuard(deflate is not null);
        var socket = System.Net.WebSockets.WebSocket.CreateFromStream(
            new DuplexPipeStream(_context.Transport.Input, _context.Transport.Output, guard, _sendDeadline),
            new WebSocketCreationOptions
            {
                IsServer = true,
                SubProtocol = subprotocol,
                KeepAliveInterval = _settings.WsPingInterval,
                KeepAliveTimeout = _settings.WsPingInterval > TimeSpan.Zero && _settings.WsPingTimeout > TimeSpan.Zero ? _settings.WsPingTimeout : Timeout.InfiniteTimeSpan,
                DangerousDeflateOptions = deflate,
            });
        return new WebSocketMessages(socket, _settings.WsMaxSize, _messageRate, guard);
    }

    public async ValueTask WriteErrorAsync(ServerAnswer answer)
    {
        if (Http.TryAnswerInstead())
        {
            await _output.TryWriteAnswerAsync(answer).ConfigureAwait(false);
        }
    }

    public void AbortHttpAnswer()
    {
        // Nothing to do: the connection closes after every WebSocket session (ReuseEnd.Upgraded), which ends the answer.
    }
}
