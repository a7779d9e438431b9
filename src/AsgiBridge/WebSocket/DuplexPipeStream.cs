using System.IO.Pipelines;

namespace AsgiBridge.WebSocket;

/// <summary>
/// The connection's pipes as one duplex stream, the shape <see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>
/// needs. Reads take what the input pipe holds (so the socket's backpressure reaches the peer); each write is
/// flushed at once and waits while the output pipe is over its limit.
/// </summary>
internal sealed class DuplexPipeStream : Stream
{
    /// <summary>A server's (unmasked) close frame with code 1005 and no reason, as the BCL writes it.</summary>
    private static readonly byte[] s_closeWith1005 = [0x88, 0x02, 0x03, 0xED];

    private static readonly byte[] s_closeWithoutCode = [0x88, 0x00];

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly ClientFrameGuard _guard;
    private readonly Http1.ISendDeadline _sendDeadline;
    private volatile bool _stopped;

    public DuplexPipeStream(PipeReader input, PipeWriter output, ClientFrameGuard guard, Http1.ISendDeadline sendDeadline)
    {
        _input = input;
        _output = output;
        _guard = guard;
        _sendDeadline = sendDeadline;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Ends reading: the pending and every later read return end-of-stream.</summary>
    public void Stop() => _stopped = true;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_guard.IsPoisoned || _stopped)
            {
                return 0;
            }

            // Bytes the guard still holds to emit (a header, a substitute frame) come out without new input.
            var pending = _guard.Transfer(default, buffer.Span, out _);
            if (pending > 0)
            {
                return pending;
            }

            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);

            var data = result.Buffer;
            var written = 0;
            var consumed = 0L;
            foreach (var segment in data)
            {
                written += _guard.Transfer(segment.Span, buffer.Span[written..], out var used);
                consumed += used;
                if (used < segment.Length || written == buffer.Length)
                {
                    break;
                }
            }

            _input.AdvanceTo(data.GetPosition(consumed), consumed == data.Length ? data.End : data.GetPosition(consumed));
            if (written > 0)
            {
                return written;
            }

            if ((result.IsCompleted && consumed == data.Length) || (result.IsCanceled && _stopped))
            {
                return 0;
            }

            // Nothing to hand over yet (a partial header), or a canceled read (Kestrel's graceful-shutdown
            // wake-up), which is not the end of the stream: read on.
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Span.SequenceEqual(s_closeWith1005))
        {
            // The BCL writes WebSocketCloseStatus.Empty, the answer to a close frame without a code, as code 1005,
            // which RFC 6455 §7.4.1 forbids on the wire: it stands for no code, so send the close frame without one.
            buffer = s_closeWithoutCode;
        }

        var result = await Http1.SendDeadline.Guard(_sendDeadline, _output.WriteAsync(buffer, cancellationToken), buffer.Length).ConfigureAwait(false);
        if (result.IsCompleted)
        {
            throw new IOException("The connection is closed.");
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken) =>
        await Http1.SendDeadline.Guard(_sendDeadline, _output.FlushAsync(cancellationToken), 0).ConfigureAwait(false);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous reads are not supported.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Synchronous writes are not supported.");

    public override void Flush()
    {
    }

    /// <summary>
    /// The BCL disposes the stream to abort the WebSocket (a keep-alive ping timeout, or Abort): end the read it
    /// may have pending, or it would wait on the connection forever.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_stopped)
        {
            // Always cancel: a read about to start would otherwise miss the stop (the connection's own later
            // reads tolerate a canceled read).
            Stop();
            _input.CancelPendingRead();
        }

        base.Dispose(disposing);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
