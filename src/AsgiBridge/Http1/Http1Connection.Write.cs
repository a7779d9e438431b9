using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    /// <summary>Bodies larger than this are written and flushed in slices so the output pipe never holds a whole large body.</summary>
    private const int WriteSliceSize = 64 * 1024;

    private long _computedContentLength = -1;

    private void WriteHead()
    {
        var output = _output;
        output.Write(StatusLines.Get(_status));
        var dropContentLength = _status < 200 || _status == 204;
        var headers = _responseHeaders;
        for (var i = 0; i < headers.Count; i++)
        {
            var name = headers[i].Name.Span;

            // Framing is the server's job (ASGI spec): an application's transfer-encoding is ignored.
            if (ResponseHeaderInfo.IsTransferEncoding(name) || (dropContentLength && ResponseHeaderInfo.IsContentLength(name)))
            {
                continue;
            }

            WriteHeaderLine(output, name, headers[i].Value.Span);
        }

        if (_settings.DateHeader && !_responseInfo.HasDate)
        {
            output.Write(Infrastructure.DateHeader.Line);
        }

        if (_settings.ServerHeader && !_responseInfo.HasServer)
        {
            output.Write("server: asgibridge\r\n"u8);
        }

        if (_computedContentLength >= 0)
        {
            WriteContentLength(output, _computedContentLength);
        }
        else if (_framing == ResponseFraming.Chunked)
        {
            output.Write("transfer-encoding: chunked\r\n"u8);
        }

        if (!_keepAlive && !_responseInfo.ConnectionClose)
        {
            output.Write("connection: close\r\n"u8);
        }
        else if (_keepAlive && _head.IsHttp10 && !_responseInfo.HasConnection)
        {
            output.Write("connection: keep-alive\r\n"u8);
        }

        output.Write("\r\n"u8);
        _headWritten = true;
        _computedContentLength = -1;
    }

    /// <summary>Writes one body piece by the framing and flushes once (per 64 KiB slice for large pieces).</summary>
    /// <param name="body">The piece.</param>
    /// <param name="last">Whether it is the last piece.</param>
    /// <param name="flushEmpty">Flush even an empty mid-stream piece (the head was just written: the client should see it).</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteBodyAsync(ReadOnlyMemory<byte> body, bool last, bool flushEmpty)
    {
        if (SuppressBody)
        {
            body = default;
        }

        while (true)
        {
            var slice = body.Length > WriteSliceSize ? body[..WriteSliceSize] : body;
            body = body[slice.Length..];
            if (_framing == ResponseFraming.Chunked && !slice.IsEmpty)
            {
                WriteChunkHeader(_output, slice.Length);
                _output.Write(slice.Span);
                _output.Write("\r\n"u8);
            }
            else if (!slice.IsEmpty)
            {
                _output.Write(slice.Span);
            }

            if (body.IsEmpty && last && _framing == ResponseFraming.Chunked)
            {
                _output.Write("0\r\n\r\n"u8);
            }

            if (body.IsEmpty && !last && slice.IsEmpty && !flushEmpty)
            {
                // An empty piece in the middle of a stream: nothing to put on the wire.
                return;
            }

            if (body.IsEmpty && last && _keepAlive && !ShouldFlushNow)
            {
                // The last piece of a keep-alive response: leave it for the next flush, so pipelined responses
                // go out together (see FlushPendingAsync for when that happens).
                _flushPending = true;
                return;
            }

            await FlushAsync().ConfigureAwait(false);
            if (body.IsEmpty)
            {
                return;
            }
        }
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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushPendingAsync()
    {
        if (!_flushPending)
        {
            return;
        }

        await _writeLock.EnterAsync().ConfigureAwait(false);
        try
        {
            if (_flushPending)
            {
                _flushPending = false;
                await _output.FlushAsync().ConfigureAwait(false);
            }
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
            result = await _output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportError(ex))
        {
            _clientGone = true;
            throw new ClientDisconnectedException("The client disconnected while the response was being sent.", ex);
        }

        if (result.IsCompleted || result.IsCanceled)
        {
            _clientGone = true;
            if (!_responseComplete)
            {
                throw new ClientDisconnectedException();
            }
        }
    }

    private async ValueTask WriteContinueAsync()
    {
        await _writeLock.EnterAsync().ConfigureAwait(false);
        try
        {
            if (!_headWritten)
            {
                _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
                _sent100 = true;
                await FlushAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Exit();
        }
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
        await _writeLock.EnterAsync().ConfigureAwait(false);
        try
        {
            if (!_headWritten)
            {
                _headWritten = true;
                _responseStarted = true;
                _responseComplete = true;
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
        var output = _output;
        output.Write(StatusLines.Get(status));
        output.Write("content-type: text/plain; charset=utf-8\r\n"u8);
        WriteContentLength(output, message.Length + 1);
        output.Write("connection: close\r\n"u8);
        if (extraHeaderLines is not null)
        {
            output.Write(extraHeaderLines);
        }

        WriteServerHeaders(output);
        output.Write("\r\n"u8);
        var span = output.GetSpan(message.Length + 1);
        var written = System.Text.Encoding.ASCII.GetBytes(message, span);
        span[written] = (byte)'\n';
        output.Advance(written + 1);
        await output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The date and server headers, unless configured off or already given by the application.</summary>
    private void WriteServerHeaders(PipeWriter output, bool skipDate = false, bool skipServer = false)
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

    private static void WriteHeaderLine(PipeWriter output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var length = name.Length + value.Length + 4;
        var span = output.GetSpan(length);
        name.CopyTo(span);
        span[name.Length] = HttpCharacters.Colon;
        span[name.Length + 1] = HttpCharacters.SP;
        value.CopyTo(span[(name.Length + 2)..]);
        span[length - 2] = HttpCharacters.CR;
        span[length - 1] = HttpCharacters.LF;
        output.Advance(length);
    }

    private static void WriteContentLength(PipeWriter output, long length)
    {
        var span = output.GetSpan(40);
        "content-length: "u8.CopyTo(span);
        Utf8Formatter.TryFormat(length, span[16..], out var written);
        span[16 + written] = HttpCharacters.CR;
        span[17 + written] = HttpCharacters.LF;
        output.Advance(18 + written);
    }

    private static void WriteChunkHeader(PipeWriter output, int length)
    {
        var span = output.GetSpan(12);
        length.TryFormat(span, out var written, "x", System.Globalization.CultureInfo.InvariantCulture);
        span[written] = HttpCharacters.CR;
        span[written + 1] = HttpCharacters.LF;
        output.Advance(written + 2);
    }
}
