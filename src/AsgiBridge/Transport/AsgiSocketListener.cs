using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

using AsgiBridge.Infrastructure;

namespace AsgiBridge.Transport;

/// <summary>
/// One listening socket. When accepting fails for lack of descriptors (EMFILE/ENFILE) or kernel memory, the
/// pending connection is shed with the reserve descriptor (closed at once, so the client hears "no" instead of
/// waiting in the backlog) and the loop backs off while even that fails; a warning is logged at most every
/// 10 seconds with the count since the last one. Serving resumes by itself as soon as descriptors free up.
/// </summary>
internal sealed class AsgiSocketListener : IConnectionListener
{
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly SocketConnectionContextFactory _factory;
    private readonly bool _noDelay;
    private readonly ILogger _logger;
    private readonly ReserveDescriptor _reserve = new();
    private readonly RateLimitedCount _exhaustion = new(TimeSpan.FromSeconds(10));

    public AsgiSocketListener(Socket socket, SocketConnectionContextFactory factory, bool noDelay, ILogger logger)
    {
        _socket = socket;
        _factory = factory;
        _noDelay = noDelay;
        _logger = logger;
        EndPoint = socket.LocalEndPoint!;
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
                if (_exhaustion.Add() is { } count)
                {
                    Diagnostics.Log.AcceptExhausted(_logger, EndPoint.ToString() ?? "", ex.SocketErrorCode.ToString(), count);
                }

                if (!await ShedOneAsync(cancellationToken).ConfigureAwait(false))
                {
                    // Not even the reserve helps (it is gone, or the system-wide table is full): wait, doubling.
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

            if (accepted.LocalEndPoint is IPEndPoint)
            {
                accepted.NoDelay = _noDelay;
            }

            _reserve.Restore();
            return _factory.Create(accepted);
        }
    }

    /// <summary>
    /// Frees the reserve descriptor, accepts the connection that could not be accepted and closes it at once,
    /// then takes the reserve back (libuv and nginx answer EMFILE the same way). False when that was not possible.
    /// </summary>
    private async ValueTask<bool> ShedOneAsync(CancellationToken cancellationToken)
    {
        if (!_reserve.Release())
        {
            return false;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(100));
            using var shed = await _socket.AcceptAsync(timeout.Token).ConfigureAwait(false);
            shed.LingerState = new LingerOption(true, 0); // a reset: the client learns at once
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _reserve.Restore();
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
        return default;
    }
}
