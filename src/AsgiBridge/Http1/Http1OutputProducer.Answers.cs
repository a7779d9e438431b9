using AsgiBridge.Cycle;

namespace AsgiBridge.Http1;

/// <summary>
/// What the server writes itself: 100 Continue and other informational heads, error answers (a rejected request,
/// 500, 503, a request body error while the application runs), and the 101 head of a WebSocket upgrade.
/// </summary>
internal sealed partial class Http1OutputProducer
{
    /// <summary>
    /// RFC 9110 §10.1.1: invites the client to send the body it holds back, unless a final response has begun.
    /// True when the 100 was written.
    /// </summary>
    public async ValueTask<bool> TryWriteContinueAsync()
    {
        await _gate.EnterAsync().ConfigureAwait(false);
        try
        {
            if (_cycle.HeadWritten)
            {
                return false;
            }

            await WriteInformationalAsync(100, []).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>Writes and flushes an informational (1xx) head: its status line and header lines, nothing of the server's own.</summary>
    public ValueTask WriteInformationalAsync(int status, IReadOnlyList<AsgiHeader> headers)
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

    /// <summary>A request body error or timeout while the application runs: answered unless a response head is already on the wire.</summary>
    public async ValueTask TryAnswerWhileRunningAsync(RequestRejection reason)
    {
        _telemetry.Rejected(reason);
        await _gate.EnterAsync().ConfigureAwait(false);
        try
        {
            if (_cycle.TryAnswerInstead())
            {
                await TryWriteAnswerAsync(RequestRejections.Answer(reason)).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>Writes the server's own answer; false when the transport is already gone.</summary>
    public async ValueTask<bool> TryWriteAnswerAsync(ServerAnswer answer)
    {
        try
        {
            await WriteAnswerAsync(answer).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (TransportErrors.Is(ex))
        {
            return false;
        }
    }

    /// <summary>A short plain-text answer with <c>connection: close</c>, flushed at once: the message and a newline.</summary>
    public ValueTask WriteErrorResponseAsync(int status, string message, byte[]? extraHeaderLines = null) =>
        WriteAnswerAsync(ServerAnswer.Text(status, message), extraHeaderLines);

    /// <summary>The server's own answer (<see cref="ServerAnswer"/>) with <c>connection: close</c>, flushed at once.</summary>
    public ValueTask WriteAnswerAsync(ServerAnswer answer, byte[]? extraHeaderLines = null) =>
        WriteAnswerAsync(answer, ResponseFraming.ContentLength, extraHeaderLines);

    /// <summary>
    /// An answer in the application's place for a parsed request (the 500 page, the 503 of a limit), framed as that
    /// request's own response would be: no body for HEAD (RFC 9110 §9.3.2), and streamed — chunked on HTTP/1.1 — where
    /// the host frames unsized bodies as uvicorn does (<see cref="UnsizedBodies"/>), since uvicorn sends these answers
    /// through the application's send path without a content-length.
    /// </summary>
    public ValueTask WriteStandInAsync(ServerAnswer answer)
    {
        var framing = _head.Method == "HEAD" ? ResponseFraming.None
            : !UnsizedBodies.Streamed ? ResponseFraming.ContentLength
            : _head.IsHttp10 ? ResponseFraming.CloseDelimited
            : ResponseFraming.Chunked;
        return WriteAnswerAsync(answer, framing, extraHeaderLines: null);
    }

    private async ValueTask WriteAnswerAsync(ServerAnswer answer, ResponseFraming framing, byte[]? extraHeaderLines)
    {
        var bodyLength = framing == ResponseFraming.None ? 0 : answer.Body.Length;
        _telemetry.Answered(answer.Status, bodyLength);
        var output = OpenOutput(MaxSpanHint);
        output.Write(StatusLines.Get(answer.Status));
        output.Write("content-type: "u8);
        output.WriteAscii(answer.ContentType);
        output.Write("\r\n"u8);
        if (framing == ResponseFraming.Chunked)
        {
            output.Write("transfer-encoding: chunked\r\n"u8);
        }
        else if (framing == ResponseFraming.ContentLength || (framing == ResponseFraming.None && !UnsizedBodies.Streamed))
        {
            // A HEAD answer announces the length the body would have had (RFC 9110 §8.6), unless it would be streamed.
            output.WriteContentLength(answer.Body.Length);
        }

        output.Write("connection: close\r\n"u8);
        if (extraHeaderLines is not null)
        {
            output.Write(extraHeaderLines);
        }

        WriteServerHeaders(ref output);
        output.Write("\r\n"u8);
        if (framing == ResponseFraming.Chunked)
        {
            output.WriteChunkHeader(answer.Body.Length);
            output.WriteAscii(answer.Body);
            output.Write("\r\n0\r\n\r\n"u8);
        }
        else if (bodyLength > 0)
        {
            output.WriteAscii(answer.Body);
        }

        CommitOutput(ref output);
        await FlushOutputAsync().ConfigureAwait(false);
    }

    /// <summary>The 101 head of a WebSocket upgrade (RFC 6455 §4.2.2): the session's header lines and the server's own.</summary>
    public async ValueTask WriteSwitchingProtocolsAsync(IReadOnlyList<AsgiHeader> headers)
    {
        var info = ResponseHeaderInfo.Validate(headers, "websocket.accept");
        var output = OpenOutput(MaxSpanHint);
        output.Write(StatusLines.Get(101));
        foreach (var header in headers)
        {
            output.WriteHeaderLine(header.Name.Span, header.Value.Span);
        }

        WriteServerHeaders(ref output, skipDate: info.HasDate, skipServer: info.HasServer);
        output.Write("\r\n"u8);
        CommitOutput(ref output);
        _cycle.OnSwitchedProtocols();
        await FlushAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The date and server headers, unless configured off or already given by the application, then the default
    /// headers of Asgi:Headers, which the application's do not replace (as uvicorn's default headers).
    /// </summary>
    private void WriteServerHeaders(ref BufferedOutput output, bool skipDate = false, bool skipServer = false)
    {
        if (_settings.DateHeader && !skipDate)
        {
            output.Write(Infrastructure.DateHeader.Line);
        }

        if (_settings.ServerLines is { } server && !skipServer)
        {
            output.Write(server);
        }

        if (_settings.DefaultHeaderLines is { } defaults)
        {
            output.Write(defaults);
        }
    }
}
