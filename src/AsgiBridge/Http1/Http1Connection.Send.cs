using AsgiBridge.Infrastructure;
using System.Runtime.CompilerServices;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    private bool _responseStarted;
    private bool _headWritten;
    private bool _responseComplete;
    private bool _responseShort;
    private int _status;
    private IReadOnlyList<AsgiHeader> _responseHeaders = [];
    private ResponseHeaderInfo _responseInfo;
    private ResponseFraming _framing;
    private long _responseBytes;

    private void ResetResponse()
    {
        _responseStarted = _headWritten = _responseComplete = _responseShort = false;
        _status = 0;
        _responseHeaders = [];
        _responseInfo = default;
        _framing = ResponseFraming.ContentLength;
        _responseBytes = 0;
        _computedContentLength = -1;
    }

    private ValueTask SendAsync(IDictionary<string, object?> message)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message)
        {
            case HttpResponseBodyEvent body:
                return SendBodyAsync(body.Body, body.MoreBody);
            case HttpResponseStartEvent start:
                StartResponse(start.Status, start.Headers);
                return default;
            case HttpResponsePathSendEvent pathSend:
                return SendPathAsync(pathSend.Path);
        }

        var type = message.TryGetValue("type", out var typeValue) ? typeValue as string : null;
        switch (type)
        {
            case "http.response.start":
                if (!message.TryGetValue("status", out var status))
                {
                    ThrowHelper.ThrowProtocol("'http.response.start' event: missing required key 'status'.");
                }

                StartResponse(
                    AsgiValues.ToInt(status, type, "status"),
                    AsgiValues.ToHeaders(message.TryGetValue("headers", out var headers) ? headers : null, type, "headers"));
                return default;
            case "http.response.body":
                return SendBodyAsync(
                    AsgiValues.ToBytes(message.TryGetValue("body", out var body) ? body : null, type, "body"),
                    AsgiValues.ToBool(message.TryGetValue("more_body", out var more) ? more : null, type, "more_body"));
            case "http.response.pathsend":
                return SendPathAsync(
                    AsgiValues.ToNullableString(message.TryGetValue("path", out var path) ? path : null, type, "path")
                    ?? throw new AsgiProtocolException("'http.response.pathsend' event: missing required key 'path'."));
            case null:
                ThrowHelper.ThrowProtocol("Event has no 'type' key (or it is not a string).");
                return default;
            default:
                ThrowHelper.ThrowProtocol($"Unknown event type '{type}' for an 'http' scope.");
                return default;
        }
    }

    private void StartResponse(int status, IReadOnlyList<AsgiHeader> headers)
    {
        if (_clientGone)
        {
            // Includes the case where the server already answered (408/400/413) a body error itself.
            throw new ClientDisconnectedException();
        }

        if (_responseStarted)
        {
            ThrowHelper.ThrowProtocol(_responseComplete
                ? "'http.response.start' event sent after the response was complete."
                : "'http.response.start' event sent twice.");
        }

        if (_appDone)
        {
            ThrowHelper.ThrowProtocol("'http.response.start' event sent after the application returned.");
        }

        if (status is < 100 or > 999 or 101)
        {
            ThrowHelper.ThrowProtocol($"'http.response.start' event: key 'status' must be a 3-digit status code other than 101, not {status}.");
        }

        _responseInfo = ResponseHeaderInfo.Validate(headers);
        _responseHeaders = headers;
        _status = status;
        _responseStarted = true;
    }

    /// <summary>
    /// Sends one <c>http.response.body</c> piece. The usual case (nobody else writing, the flush deferred or done at
    /// once) completes synchronously without an async state machine; only a contended gate or a pending flush awaits.
    /// </summary>
    private ValueTask SendBodyAsync(ReadOnlyMemory<byte> body, bool moreBody)
    {
        if (_clientGone)
        {
            throw new ClientDisconnectedException();
        }

        if (!_responseStarted)
        {
            ThrowHelper.ThrowProtocol("'http.response.body' event sent before 'http.response.start'.");
        }

        if (_responseComplete)
        {
            ThrowHelper.ThrowProtocol("'http.response.body' event sent after the response was complete (more_body was false).");
        }

        return _writeLock.TryEnter() ? SendBodyHoldingGate(body, moreBody) : SendBodyAfterGateAsync(body, moreBody);
    }

    private async ValueTask SendBodyAfterGateAsync(ReadOnlyMemory<byte> body, bool moreBody)
    {
        await _writeLock.EnterAsync().ConfigureAwait(false);
        await SendBodyHoldingGate(body, moreBody).ConfigureAwait(false);
    }

    /// <summary>Writes the piece with the write gate held, and leaves the gate when the write (and any flush) is done.</summary>
    private ValueTask SendBodyHoldingGate(ReadOnlyMemory<byte> body, bool moreBody)
    {
        ValueTask write;
        try
        {
            write = WriteResponsePiece(body, moreBody);
        }
        catch
        {
            LeaveWriteGate();
            throw;
        }

        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            LeaveWriteGate();
            return default;
        }

        return LeaveWriteGateAfterAsync(write);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask LeaveWriteGateAfterAsync(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        finally
        {
            LeaveWriteGate();
        }
    }

    private void LeaveWriteGate()
    {
        _writeLock.Exit();
        if (_responseComplete)
        {
            SignalDisconnect();
        }
    }

    /// <summary>Largest first body piece written in the same pipe span as the head (one advance for the whole response).</summary>
    private const int InlineBodyLimit = 2048;

    /// <summary>Checks, frames and writes one body piece (the head with the first); returns the flush, if one is needed now.</summary>
    private ValueTask WriteResponsePiece(ReadOnlyMemory<byte> body, bool moreBody)
    {
        // Re-checked under the gate: a concurrent receive may have answered a body error (400/408/413) itself.
        if (_clientGone)
        {
            throw new ClientDisconnectedException();
        }

        if (_responseComplete)
        {
            ThrowHelper.ThrowProtocol("'http.response.body' event sent after the response was complete (more_body was false).");
        }

        var writeHead = !_headWritten;
        if (writeHead)
        {
            ChooseFraming(body.Length, moreBody);
        }

        var last = !moreBody;
        CountPiece(body.Length, last, "'http.response.body' event: key 'body'");
        if (!writeHead)
        {
            return WriteBodyAsync(body, last, flushEmpty: false);
        }

        if (body.Length <= InlineBodyLimit)
        {
            WriteHead(body.Span, last);
            return FinishPiece(wroteBody: !body.IsEmpty && !SuppressBody, last, flushEmpty: true);
        }

        WriteHead(default, last: false);
        return WriteBodyAsync(body, last, flushEmpty: true);
    }

    /// <summary>
    /// Counts a piece against the response framing before anything of it is written (so when it is the first piece,
    /// a clean 500 is still possible): more than the application's content-length raises; the last piece completes
    /// the response, and a response left shorter than its content-length closes the connection after it.
    /// </summary>
    private void CountPiece(long length, bool last, string eventKey)
    {
        if (_framing == ResponseFraming.ContentLength && _responseBytes + length > _responseInfo.ContentLength)
        {
            ThrowHelper.ThrowProtocol($"{eventKey}: the response would exceed its content-length of {_responseInfo.ContentLength} bytes.");
        }

        _responseBytes += length;
        if (last)
        {
            _responseComplete = true;
            _responseShort = _framing == ResponseFraming.ContentLength && _responseBytes < _responseInfo.ContentLength;
            if (_responseShort)
            {
                _keepAlive = false;
            }
        }
    }

    /// <summary>HEAD, 1xx, 204 and 304 responses never carry body bytes (RFC 9110 §6.4.1).</summary>
    private bool SuppressBody => _framing == ResponseFraming.None;

    /// <summary>
    /// Framing by the contract's rules: the application's Content-Length is honoured; a response sent in one
    /// piece gets a Content-Length; otherwise HTTP/1.1 streams chunked and HTTP/1.0 closes to delimit.
    /// </summary>
    private void ChooseFraming(long firstLength, bool moreBody)
    {
        var isHead = _head.Method == "HEAD";
        if (_status < 200 || _status == 204 || _status == 304)
        {
            _framing = ResponseFraming.None;
            if (_status < 200)
            {
                // A 1xx is not a final response: the client still waits for one. Close so it stops waiting.
                _keepAlive = false;
            }
        }
        else if (_responseInfo.HasContentLength)
        {
            _framing = isHead ? ResponseFraming.None : ResponseFraming.ContentLength;
        }
        else if (!moreBody)
        {
            _framing = isHead ? ResponseFraming.None : ResponseFraming.ContentLength;
            _computedContentLength = isHead && firstLength == 0 ? -1 : firstLength;
            _responseInfo.ContentLength = firstLength;
        }
        else if (isHead)
        {
            _framing = ResponseFraming.None;
        }
        else if (!_head.IsHttp10)
        {
            _framing = ResponseFraming.Chunked;
        }
        else
        {
            _framing = ResponseFraming.CloseDelimited;
            _keepAlive = false;
        }

        // RFC 9110 §10.1.1: the client may never send a body it was not invited to send; closing keeps us in sync.
        // And when the unread rest of the request body is too large to drain (DrainBodyAsync), say so now.
        if (_responseInfo.ConnectionClose || _closeRequested || (_head.Expect100Continue && !_sent100 && !_bodyComplete)
            || (_head.Framing == BodyFraming.ContentLength && _bodyRemaining > MaxDrainBytes))
        {
            _keepAlive = false;
        }
    }
}
