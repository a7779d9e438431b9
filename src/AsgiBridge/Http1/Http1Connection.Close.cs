using System.IO.Pipelines;
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
        _reuse.End(ReuseEnd.Incomplete);
        if (_output.Framing != ResponseFraming.CloseDelimited || !_cycle.HeadWritten)
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
    /// Ends the connection. With <paramref name="linger"/> (after a response we close on), input the client is
    /// still sending is read and discarded first, while the response drains to the network: closing a socket with
    /// unread input makes the kernel answer with a reset, which also drops response bytes not yet transmitted
    /// (RFC 9112 §9.6, "lingering close"). Kestrel's socket transport cannot half-close, so the output is completed
    /// only once the client has gone quiet for <see cref="ConnectionSettings.LingerIdle"/>, has closed, or the
    /// linger budget (time and bytes) is spent.
    /// </summary>
    private async ValueTask CloseAsync(bool linger)
    {
        try
        {
            if (linger && !_aborted && !_peerClosed && LingeringClose.ClientMayStillBeSending(_input, requestUnfinished: _rejected || !_body.IsComplete))
            {
                await _output.FlushPendingAsync().ConfigureAwait(false);
                await LingeringClose.DiscardUntilQuietAsync(_input).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (TransportErrors.Is(ex) || ex is InvalidOperationException)
        {
            // The peer is gone, or the input is unusable: either way we are done.
        }

        try
        {
            // Completing delivers what was advanced; parked bytes (an unflushed last response) must be advanced first.
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (TransportErrors.Is(ex))
        {
            // Already torn down.
        }

        await _input.CompleteAsync().ConfigureAwait(false);
    }
}
