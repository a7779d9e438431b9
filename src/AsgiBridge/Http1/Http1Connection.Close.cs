using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    /// <summary>
    /// Ends the connection after an incomplete response. Chunked and Content-Length bodies are visibly incomplete
    /// to the client when the connection simply closes (after the bytes already sent, which an abort would
    /// discard); a close-delimited body would look complete after a FIN, so that one is reset (RST) instead.
    /// </summary>
    private void Abort()
    {
        _keepAlive = false;
        if (_framing != ResponseFraming.CloseDelimited || !_headWritten)
        {
            return;
        }

        _aborted = true;
        if (_context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already closed: nothing to reset.
            }
        }

        _context.Abort(new ConnectionAbortedException("The response could not be completed."));
    }

    /// <summary>
    /// Ends the connection. With <paramref name="linger"/>, after our last response the send side is closed first
    /// and unread input is drained for a moment: closing a socket with unread data makes the kernel send a reset,
    /// which can destroy the response before the client reads it (the "lingering close" of RFC 9112 §9.6).
    /// </summary>
    private async ValueTask CloseAsync(bool linger)
    {
        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
            if (linger && !_aborted && !_peerClosed)
            {
                using var timeout = new CancellationTokenSource(ConnectionSettings.LingerTimeout);
                while (true)
                {
                    var result = await _input.ReadAsync(timeout.Token).ConfigureAwait(false);
                    _input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception ex) when (IsTransportError(ex) || ex is InvalidOperationException)
        {
            // The peer is gone or the linger ran out: either way we are done.
        }

        await _input.CompleteAsync().ConfigureAwait(false);
    }
}
