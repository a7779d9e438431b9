using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

using AsgiBridge.Infrastructure;

namespace AsgiBridge.Transport;

/// <summary>
/// One listening socket. Connections past <c>Asgi:LimitConnections</c> are closed as soon as they are accepted. When
/// accepting fails for lack of descriptors (EMFILE/ENFILE) or kernel memory, the process has more connections than
/// it can hold: the limit is lowered to what is open now minus <see cref="ReserveDescriptor.Count"/>, and the
/// descriptors held in reserve are given back, so the runtime has headroom again and every further connection
/// past the lowered limit is accepted and closed at once instead of waiting in the backlog. While accepting still
/// fails the loop backs off (10 ms doubling to 1 s). A warning is logged at most every 10 seconds.
/// </summary>
internal sealed class AsgiSocketListener : IConnectionListener
{
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly SocketConnectionContextFactory _factory;
    private readonly ISocketConnectionSource? _source;
    private readonly bool _noDelay;
    private readonly ILogger _logger;
    private readonly ReserveDescriptor _reserve = new();
    private readonly RateLimitedCount _exhaustion;
    private readonly Hosting.ConnectionCeiling _ceiling;

    public AsgiSocketListener(Socket socket, SocketConnectionContextFactory factory, ISocketConnectionSource? source, bool noDelay, Hosting.ConnectionCeiling ceiling, ILogger logger)
    {
        _source = source;
        _ceiling = ceiling;
        _socket = socket;
        _factory = factory;
        _noDelay = noDelay;
        _logger = logger;
        EndPoint = socket.LocalEndPoint!;
        var name = EndPoint.ToString() ?? "";
        _exhaustion = new RateLimitedCount(TimeSpan.FromSeconds(10), count => Diagnostics.Log.AcceptExhausted(_logger, name, count));
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        var backoff = s_firstBackoff;
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException
                or SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                // The listener was unbound or disposed: Kestrel's signal that accepting is over.
                return null;
            }
            catch (SocketException ex) when (IsExhaustion(ex.SocketErrorCode))
            {
                _exhaustion.Add();
                _ceiling.Lower(_ceiling.Open - ReserveDescriptor.Count);
                if (!_reserve.Release())
                {
                    // The reserve is already spent and descriptors are still short (the application's own files,
                    // or the system-wide table): wait, doubling, for connections to end.
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                    backoff = backoff * 2 > s_maxBackoff ? s_maxBackoff : backoff * 2;
                }

                continue;
            }
            catch (SocketException)
            {
                // A connection reset while it waited in the backlog: take the next one (Kestrel does the same).
                continue;
            }

            backoff = s_firstBackoff;

            // Asgi:LimitConnections, judged here so a refused connection costs one accept and one close: no
            // pipes, no Kestrel connection, and its descriptor is free again at once.
            if (!_ceiling.TryOpen())
            {
                accepted.LingerState = new LingerOption(true, 0);
                accepted.Dispose();
                continue;
            }

            if (accepted.LocalEndPoint is IPEndPoint)
            {
                accepted.NoDelay = _noDelay;
            }

            return new CountedConnection(_source?.TryCreate(accepted) ?? _factory.Create(accepted), _ceiling);
        }
    }

    private static bool IsExhaustion(SocketError error) =>
        error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _socket.Dispose();
        return default;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _factory.Dispose();
        _reserve.Dispose();
        _exhaustion.Dispose();
        return default;
    }
}
