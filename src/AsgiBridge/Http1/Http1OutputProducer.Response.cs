using System.Runtime.CompilerServices;
using AsgiBridge.Cycle;
using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.Http1;

/// <summary>
/// The request cycle's wire on HTTP/1.1: the framing the cycle leaves to the protocol (a known length as
/// content-length; an unknown one chunked on HTTP/1.1, close-delimited on HTTP/1.0: RFC 9112 §6.3), the head, chunk
/// encoding, and large bodies and files in 64 KiB slices.
/// </summary>
internal sealed partial class Http1OutputProducer
{
    private ResponseFraming _framing;

    /// <summary>How the current response's body is delimited (meaningful once its head is written).</summary>
    public ResponseFraming Framing => _framing;

    /// <summary>HEAD, 1xx, 204 and 304 responses never carry body bytes (RFC 9110 §6.4.1).</summary>
    private bool SuppressBody => _framing == ResponseFraming.None;

    /// <summary>A new request: no framing chosen yet.</summary>
    public void StartResponse() => _framing = ResponseFraming.ContentLength;

    /// <summary>Largest first body piece written in the same pipe span as the head (one advance for the whole response).</summary>
    private const int InlineBodyLimit = 2048;

    public ValueTask WriteHeadAsync(ReadOnlyMemory<byte> body, bool last)
    {
        ChooseFraming();
        if (body.Length <= InlineBodyLimit)
        {
            WriteHead(body.Span, last);
            return FinishPiece(wroteBody: !body.IsEmpty && !SuppressBody, last, flushEmpty: true);
        }

        WriteHead(default, last: false);
        return WriteBodyAsync(body, last, flushEmpty: true);
    }

    public ValueTask WriteBodyAsync(ReadOnlyMemory<byte> body, bool last)
    {
        if (last && _cycle.IsShort)
        {
            _reuse.End(ReuseEnd.ShortResponse);
        }

        return WriteBodyAsync(body, last, flushEmpty: false);
    }

    /// <summary>
    /// <c>http.response.pathsend</c>: the head with the file's length (the cycle counted it), then the file read into
    /// the output pipe, flushed per 64 KiB slice like a large body.
    /// </summary>
    public async ValueTask WriteFileAsync(SafeFileHandle file, long length, string path)
    {
        ChooseFraming();
        WriteHead(default, last: false);
        if (!SuppressBody)
        {
            try
            {
                await WriteFileBodyAsync(file, length, path).ConfigureAwait(false);
            }
            catch
            {
                // The head promised the file's length and the body may now be short (a read error, the file
                // shrank, the client left): never serve another request after it, even if the app catches this.
                _reuse.End(ReuseEnd.ShortResponse);
                throw;
            }
        }

        await FinishPiece(wroteBody: true, last: true, flushEmpty: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the body with trailer fields: on a chunked body, the last chunk carries them (RFC 9112 §7.1.2). The cycle
    /// hands over none where the request did not declare the extension; a body of another framing (content-length
    /// without the extension, none for HEAD/204/304) has no place for them, so the response just completes.
    /// </summary>
    public ValueTask WriteTrailersAsync(IReadOnlyList<AsgiHeader> trailers)
    {
        if (_cycle.IsShort)
        {
            _reuse.End(ReuseEnd.ShortResponse);
        }

        if (_framing != ResponseFraming.Chunked)
        {
            return FinishPiece(wroteBody: false, last: true, flushEmpty: false);
        }

        var output = OpenOutput(MaxSpanHint);
        output.Write("0\r\n"u8);
        for (var i = 0; i < trailers.Count; i++)
        {
            output.WriteHeaderLine(trailers[i].Name.Span, trailers[i].Value.Span);
        }

        output.Write("\r\n"u8);
        ParkOutput(ref output);
        return FinishPiece(wroteBody: true, last: true, flushEmpty: false);
    }

    /// <summary>The HTTP/1.1 framing of the body the cycle decided on, and what it means for the connection.</summary>
    private void ChooseFraming()
    {
        _framing = _cycle.BodyKind switch
        {
            ResponseBodyKind.None => ResponseFraming.None,
            ResponseBodyKind.Streamed => _head.IsHttp10 ? ResponseFraming.CloseDelimited : ResponseFraming.Chunked,
            _ => ResponseFraming.ContentLength,
        };
        _reuse.OnResponseHead(_cycle, _framing);
    }

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

        WriteServerHeaders(ref output, skipDate: info.HasDate, skipServer: info.HasServer);
        if (cycle.ComputedContentLength >= 0)
        {
            output.WriteContentLength(cycle.ComputedContentLength);
        }
        else if (_framing == ResponseFraming.Chunked)
        {
            output.Write("transfer-encoding: chunked\r\n"u8);
        }

        var keepAlive = _reuse.KeepAlive;
        if (!keepAlive && !info.ConnectionClose)
        {
            output.Write("connection: close\r\n"u8);
        }
        else if (keepAlive && _head.IsHttp10 && !info.HasConnection)
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

    private async ValueTask WriteFileBodyAsync(SafeFileHandle file, long length, string path)
    {
        CommitParkedOutput();
        long offset = 0;
        var sinceFlush = 0;
        while (offset < length)
        {
            var memory = _output.GetMemory(MaxSpanHint);
            var want = (int)Math.Min(memory.Length, length - offset);
            var read = await RandomAccess.ReadAsync(file, memory[..want], offset).ConfigureAwait(false);
            if (read == 0)
            {
                // The file shrank after it was measured: the promised length can never be sent. The application
                // sees the error; the connection closes after the short body (never a response that looks complete).
                throw new IOException($"'http.response.pathsend': the file '{path}' ended after {offset} of its {length} bytes.");
            }

            _output.Advance(read);
            offset += read;
            sinceFlush += read;
            if (sinceFlush >= WriteSliceSize && offset < length)
            {
                sinceFlush = 0;
                await FlushAsync().ConfigureAwait(false);
                if (_cycle.ClientGone)
                {
                    // The flush found the connection gone (FlushAsync does not raise once the response is marked
                    // complete): the rest of the file cannot be delivered, and send must not report success.
                    throw new ClientDisconnectedException();
                }
            }
        }
    }
}
