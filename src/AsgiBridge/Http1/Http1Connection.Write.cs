using System.Buffers;
using AsgiBridge.Cycle;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    /// <summary>Bodies larger than this are written and flushed in slices so the output pipe never holds a whole large body.</summary>
    private const int WriteSliceSize = 64 * 1024;

    /// <summary>
    /// Writes the response head and, in the same pipe span, the first body piece framed (an empty one when the body
    /// follows separately): a small response costs one pipe advance.
    /// </summary>
    private void WriteHead(ReadOnlySpan<byte> body, bool last)
    {
        var cycle = _cycle;
        var headers = cycle.Headers;
        var status = cycle.Status;
        ref readonly var info = ref cycle.HeaderInfo;
        var output = OpenOutput(Math.Min(256 + (headers.Count * 64) + body.Length, MaxSpanHint));
        output.Write(StatusLines.Get(status));

        // RFC 9110 §8.6: no content-length in a 1xx or 204 response.
        var dropContentLength = status < 200 || status == 204;
        if (headers is AsgiHeader[] array)
        {
            foreach (ref readonly var header in array.AsSpan())
            {
                WriteAppHeader(ref output, header, dropContentLength);
            }
        }
        else
        {
            for (var i = 0; i < headers.Count; i++)
            {
                WriteAppHeader(ref output, headers[i], dropContentLength);
            }
        }

        if (_settings.DateHeader && !info.HasDate)
        {
            output.Write(Infrastructure.DateHeader.Line);
        }

        if (_settings.ServerHeader && !info.HasServer)
        {
            output.Write("server: asgibridge\r\n"u8);
        }

        if (cycle.ComputedContentLength >= 0)
        {
            output.WriteContentLength(cycle.ComputedContentLength);
        }
        else if (_framing == ResponseFraming.Chunked)
        {
            output.Write("transfer-encoding: chunked\r\n"u8);
        }

        if (!_keepAlive && !info.ConnectionClose)
        {
            output.Write("connection: close\r\n"u8);
        }
        else if (_keepAlive && _head.IsHttp10 && !info.HasConnection)
        {
            output.Write("connection: keep-alive\r\n"u8);
        }

        output.Write("\r\n"u8);
        WritePiece(ref output, body, last);
        ParkOutput(ref output);
    }

    private static void WriteAppHeader(ref BufferedOutput output, in AsgiHeader header, bool dropContentLength)
    {
        var name = header.Name.Span;

        // Framing is the server's job (ASGI spec): an application's transfer-encoding is ignored.
        if (ResponseHeaderInfo.IsTransferEncoding(name) || (dropContentLength && ResponseHeaderInfo.IsContentLength(name)))
        {
            return;
        }

        output.WriteHeaderLine(name, header.Value.Span);
    }

    /// <summary>The output pipe's memory the last response was written into, not yet advanced (see <see cref="OpenOutput"/>); meaningful only while <see cref="_parkedBytes"/> is above zero.</summary>
    private Memory<byte> _parked;

    /// <summary>How many bytes of <see cref="_parked"/> are written.</summary>
    private int _parkedBytes;

    /// <summary>
    /// Starts a write to the output: in the parked memory when the new bytes (about <paramref name="sizeHint"/>) fit
    /// after the parked ones, so pipelined responses cost one pipe advance per batch instead of one each (every
    /// advance takes the pipe's lock); otherwise the parked bytes are committed first and new memory is taken.
    /// Everything that writes, flushes or completes the output goes through here or <see cref="CommitParkedOutput"/>
    /// first: until it is advanced, the pipe hands out the same memory again.
    /// </summary>
    private BufferedOutput OpenOutput(int sizeHint)
    {
        if (_parkedBytes > 0)
        {
            if (_parked.Length - _parkedBytes >= sizeHint)
            {
                return new BufferedOutput(_output, _parked.Span, _parkedBytes);
            }

            CommitParkedOutput();
        }

        _parked = _output.GetMemory(sizeHint);
        return new BufferedOutput(_output, _parked.Span, 0);
    }

    /// <summary>Ends a write without advancing the pipe when it stayed in the parked memory (the flush commits it).</summary>
    private void ParkOutput(ref BufferedOutput output)
    {
        _parkedBytes = output.TryPark(out var buffered) ? buffered : 0;
    }

    /// <summary>Ends a write by advancing the pipe past it (and past the parked bytes it continued).</summary>
    private void CommitOutput(ref BufferedOutput output)
    {
        output.Commit();
        _parkedBytes = 0;
    }

    /// <summary>Advances the pipe past the parked bytes, if any.</summary>
    private void CommitParkedOutput()
    {
        if (_parkedBytes > 0)
        {
            _output.Advance(_parkedBytes);
            _parkedBytes = 0;
        }
    }

    /// <summary>Largest size hint asked of the pipe: Kestrel's pool blocks are 4 KiB, and a larger hint gets an unpooled array.</summary>
    private const int MaxSpanHint = 4096;

    /// <summary>Writes one body piece by the response framing (and the chunked terminator after the last).</summary>
    private void WritePiece(ref BufferedOutput output, ReadOnlySpan<byte> piece, bool last)
    {
        if (SuppressBody)
        {
            return;
        }

        if (_framing == ResponseFraming.Chunked)
        {
            if (!piece.IsEmpty)
            {
                output.WriteChunkHeader(piece.Length);
                output.Write(piece);
                output.Write("\r\n"u8);
            }

            if (last)
            {
                output.Write("0\r\n\r\n"u8);
            }

            return;
        }

        output.Write(piece);
    }

    /// <summary>
    /// Writes a body piece after the head, flushing once (per 64 KiB slice for large pieces). The last piece of a
    /// keep-alive response is left unflushed for the next flush (see <see cref="FinishPiece"/>).
    /// </summary>
    private ValueTask WriteBodyAsync(ReadOnlyMemory<byte> body, bool last, bool flushEmpty)
    {
        if (SuppressBody)
        {
            body = default;
        }

        if (body.Length > WriteSliceSize)
        {
            return WriteSlicesAsync(body, last);
        }

        var output = OpenOutput(Math.Min(body.Length + 16, MaxSpanHint));
        WritePiece(ref output, body.Span, last);
        ParkOutput(ref output);
        return FinishPiece(wroteBody: !body.IsEmpty, last, flushEmpty);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteSlicesAsync(ReadOnlyMemory<byte> body, bool last)
    {
        while (true)
        {
            var slice = body.Length > WriteSliceSize ? body[..WriteSliceSize] : body;
            body = body[slice.Length..];
            var final = body.IsEmpty;
            WriteSlice(slice.Span, last && final);
            if (final)
            {
                await FinishPiece(wroteBody: true, last, flushEmpty: false).ConfigureAwait(false);
                return;
            }

            await FlushAsync().ConfigureAwait(false);
        }
    }

    private void WriteSlice(ReadOnlySpan<byte> slice, bool last)
    {
        var output = OpenOutput(MaxSpanHint);
        WritePiece(ref output, slice, last);
        CommitOutput(ref output);
    }

    /// <summary>
    /// Whether a written piece is flushed now: an empty piece in the middle of a stream puts nothing on the wire
    /// (unless the head was just written: the client should see it); the last piece of a keep-alive response waits
    /// for the next flush, so pipelined responses go out together (see FlushPendingAsync for when that happens).
    /// </summary>
    private ValueTask FinishPiece(bool wroteBody, bool last, bool flushEmpty)
    {
        if (!last && !wroteBody && !flushEmpty)
        {
            return default;
        }

        if (last && _keepAlive && !ShouldFlushNow)
        {
            _flushPending = true;
            return default;
        }

        return FlushAsync();
    }

    /// <summary>Past this much unflushed output a completed response is flushed at once.</summary>
    private const int MaxPendingOutput = 64 * 1024;

    private bool _flushPending;

    private bool ShouldFlushNow => !_output.CanGetUnflushedBytes || _output.UnflushedBytes > MaxPendingOutput;

    /// <summary>
    /// Flushes a completed response whose flush was deferred. Called before the connection waits for input (the
    /// client may be waiting for this response before it sends more) and before an application call goes
    /// asynchronous (it may take a while). Pipelined requests whose applications answer synchronously therefore
    /// share one flush, like the raw handler's one flush per read batch.
    /// </summary>
    /// <remarks>
    /// Synchronous when the gate is free and the flush completes at once (every keep-alive request, before its
    /// wait for the next one); a transport error is swallowed here, since the client is gone and the next read sees it.
    /// </remarks>
    private ValueTask FlushPendingAsync()
    {
        if (!_flushPending)
        {
            return default;
        }

        return _writeLock.TryEnter() ? FlushPendingHoldingGate() : FlushPendingAfterGateAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushPendingAfterGateAsync()
    {
        await _writeLock.EnterAsync().ConfigureAwait(false);
        await FlushPendingHoldingGate().ConfigureAwait(false);
    }

    /// <summary>Flushes the pending response (if a writer did not already) with the write gate held, and leaves the gate.</summary>
    private ValueTask FlushPendingHoldingGate()
    {
        ValueTask<FlushResult> flush;
        try
        {
            if (!_flushPending)
            {
                _writeLock.Exit();
                return default;
            }

            _flushPending = false;
            flush = FlushOutputAsync();
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            _writeLock.Exit();
            return default;
        }
        catch
        {
            _writeLock.Exit();
            throw;
        }

        if (flush.IsCompletedSuccessfully)
        {
            _writeLock.Exit();
            return default;
        }

        return EndFlushPendingAsync(flush);
    }

    /// <summary>Waits for a pending-response flush with the gate held, then leaves the gate.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask EndFlushPendingAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush.ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            // The client is gone; the next read sees it.
        }
        finally
        {
            _writeLock.Exit();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAsync()
    {
        _flushPending = false;
        FlushResult result;
        try
        {
            result = await FlushOutputAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            _cycle.MarkClientGone();
            throw new ClientDisconnectedException("The client disconnected while the response was being sent.", ex);
        }

        if (result.IsCompleted || result.IsCanceled)
        {
            _cycle.MarkClientGone();
            if (!_cycle.IsComplete)
            {
                throw new ClientDisconnectedException();
            }
        }
    }

    /// <summary>RFC 9110 §10.1.1: invites the client to send the body it holds back, unless a final response has begun.</summary>
    private async ValueTask WriteContinueAsync()
    {
        await _writeLock.EnterAsync().ConfigureAwait(false);
        try
        {
            if (!_cycle.HeadWritten)
            {
                _sent100 = true;
                await WriteInformationalAsync(100, []).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Exit();
        }
    }

    /// <summary>Writes and flushes an informational (1xx) head: its status line and header lines, nothing of the server's own.</summary>
    private ValueTask WriteInformationalAsync(int status, IReadOnlyList<AsgiHeader> headers)
    {
        var output = OpenOutput(MaxSpanHint);
        output.Write(StatusLines.Get(status));
        for (var i = 0; i < headers.Count; i++)
        {
            output.WriteHeaderLine(headers[i].Name.Span, headers[i].Value.Span);
        }

        output.Write("\r\n"u8);
        CommitOutput(ref output);
        return FlushAsync();
    }

    /// <summary>Answers a rejected request with its status, a short text body and Connection: close.</summary>
    private ValueTask<bool> TryWriteRejectionAsync(RequestRejection reason) =>
        TryWriteRejectionAsync(RequestRejections.Status(reason), RequestRejections.Message(reason));

    private async ValueTask<bool> TryWriteRejectionAsync(int status, string message)
    {
        try
        {
            await WriteErrorResponseAsync(status, message).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            return false;
        }
    }

    /// <summary>A body error or timeout while the application runs: answer it unless a response is already on the wire.</summary>
    private async ValueTask TryWriteRejectionWhileRunningAsync(RequestRejection reason)
    {
        _telemetry.Rejected(reason);
        await _writeLock.EnterAsync().ConfigureAwait(false);
        try
        {
            if (_cycle.TryAnswerInstead())
            {
                await TryWriteRejectionAsync(reason).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Exit();
        }
    }

    private async ValueTask WriteErrorResponseAsync(int status, string message, byte[]? extraHeaderLines = null)
    {
        _telemetry.Answered(status, message.Length + 1);
        var output = OpenOutput(MaxSpanHint);
        output.Write(StatusLines.Get(status));
        output.Write("content-type: text/plain; charset=utf-8\r\n"u8);
        output.WriteContentLength(message.Length + 1);
        output.Write("connection: close\r\n"u8);
        if (extraHeaderLines is not null)
        {
            output.Write(extraHeaderLines);
        }

        WriteServerHeaders(ref output);
        output.Write("\r\n"u8);
        output.WriteAscii(message);
        output.Write("\n"u8);
        CommitOutput(ref output);
        await FlushOutputAsync().ConfigureAwait(false);
    }

    /// <summary>The date and server headers, unless configured off or already given by the application.</summary>
    private void WriteServerHeaders(ref BufferedOutput output, bool skipDate = false, bool skipServer = false)
    {
        if (_settings.DateHeader && !skipDate)
        {
            output.Write(Infrastructure.DateHeader.Line);
        }

        if (_settings.ServerHeader && !skipServer)
        {
            output.Write("server: asgibridge\r\n"u8);
        }
    }
}
