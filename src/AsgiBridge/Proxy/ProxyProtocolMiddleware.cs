using System.Buffers;
using System.IO.Pipelines;
using AsgiBridge.Diagnostics;
using AsgiBridge.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Proxy;

/// <summary>
/// Reads a PROXY protocol header (HAProxy's PROXY protocol specification) before anything else reads the
/// connection, TLS included: the connection's <see cref="BaseConnectionContext.RemoteEndPoint"/> and
/// <see cref="BaseConnectionContext.LocalEndPoint"/> become the header's source and destination, so the scope's
/// <c>client</c> and <c>server</c> and the trust of forwarding headers follow. Only a peer trusted by
/// <c>Asgi:ForwardedAllowIps</c> may send one, since whoever sends it chooses the address the application sees;
/// other peers, headers not complete within <c>Asgi:TimeoutRequestHeaders</c> and malformed headers close the
/// connection with nothing sent (docs/proxy-protocol.md). One instance serves one endpoint.
/// </summary>
internal sealed class ProxyProtocolMiddleware
{
    private readonly ConnectionDelegate _next;
    private readonly AsgiProxyProtocol _protocol;
    private readonly ForwardedAllowList _trusted;
    private readonly TimeSpan _timeout;
    private readonly AsgiServerState _state;
    private readonly ILogger _logger;

    public ProxyProtocolMiddleware(ConnectionDelegate next, AsgiProxyProtocol protocol, ForwardedAllowList trusted, TimeSpan timeout, AsgiServerState state, ILogger logger)
    {
        _next = next;
        _protocol = protocol;
        _trusted = trusted;
        _timeout = timeout;
        _state = state;
        _logger = logger;
    }

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var rejection = _trusted.IsTrusted(connection.RemoteEndPoint)
            ? await ReadHeaderAsync(connection).ConfigureAwait(false)
            : ProxyProtocolRejection.UntrustedPeer;
        if (rejection == ProxyProtocolRejection.None)
        {
            await _next(connection).ConfigureAwait(false);
            return;
        }

        // Returning closes the connection: nothing is written, and nothing reaches the application.
        if (rejection != ProxyProtocolRejection.Abandoned)
        {
            _state.Telemetry.Metrics.RejectConnection("proxy_protocol");
            Log.ProxyProtocolRejected(_logger, connection.ConnectionId, connection.RemoteEndPoint, ProxyProtocolRejections.Message(rejection));
        }
    }

    private async ValueTask<ProxyProtocolRejection> ReadHeaderAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        // The whole header within the timeout, not reset by each byte: a peer dribbling bytes cannot hold the connection.
        using var timeout = new CancellationTokenSource(_timeout);
        // A graceful shutdown need not wait for a header that may never come.
        using var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>() is { } lifetime
            ? lifetime.ConnectionClosedRequested.Register(static reader => ((PipeReader)reader!).CancelPendingRead(), input)
            : default;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return ProxyProtocolRejection.TimedOut;
            }

            var buffer = result.Buffer;
            var status = ProxyProtocolParser.TryParse(_protocol, buffer, out var consumed, out var examined, out var header, out var rejection);
            if (status == OperationStatus.Done)
            {
                // What follows the header stays in the pipe for the next reader (TLS or HTTP).
                input.AdvanceTo(consumed, examined);
                if (header.Source is not null)
                {
                    connection.RemoteEndPoint = header.Source;
                    connection.LocalEndPoint = header.Destination;
                }

                return ProxyProtocolRejection.None;
            }

            input.AdvanceTo(consumed, examined);
            if (status == OperationStatus.InvalidData)
            {
                return rejection;
            }

            if (result.IsCanceled || (result.IsCompleted && buffer.IsEmpty))
            {
                return ProxyProtocolRejection.Abandoned;
            }

            if (result.IsCompleted)
            {
                return ProxyProtocolRejection.Truncated;
            }
        }
    }
}
