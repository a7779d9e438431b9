using System.Runtime.CompilerServices;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.Cycle;

/// <summary><c>http.response.body</c> and <c>http.response.pathsend</c>: order checks, body kind, content-length accounting.</summary>
internal sealed partial class RequestCycle
{
    /// <summary>
    /// Sends one <c>http.response.body</c> piece. The usual case (nobody else writing, the flush deferred or done at
    /// once) completes synchronously without an async state machine; only a contended gate or a pending flush awaits.
    /// </summary>
    public ValueTask SendBodyAsync(ReadOnlyMemory<byte> body, bool moreBody)
    {
        if (_clientGone)
        {
            throw new ClientDisconnectedException();
        }

        if (_state == ResponseState.NotStarted)
        {
            ThrowHelper.ThrowProtocol("'http.response.body' event sent before 'http.response.start'.");
        }

        if (_state >= ResponseState.TrailersPending)
        {
            ThrowBodyAfterLast();
        }

        return _wire.TryEnterWrite() ? SendBodyHoldingGate(body, moreBody) : SendBodyAfterGateAsync(body, moreBody);
    }

    private async ValueTask SendBodyAfterGateAsync(ReadOnlyMemory<byte> body, bool moreBody)
    {
        await _wire.EnterWriteAsync().ConfigureAwait(false);
        await SendBodyHoldingGate(body, moreBody).ConfigureAwait(false);
    }

    /// <summary>Writes the piece with the write gate held, and leaves the gate when the write (and any flush) is done.</summary>
    private ValueTask SendBodyHoldingGate(ReadOnlyMemory<byte> body, bool moreBody)
    {
        ValueTask write;
        try
        {
            write = WritePiece(body, moreBody);
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

    /// <summary>The one way the cycle leaves the write gate: a response that is now complete ends a waiting <c>receive</c>.</summary>
    private void LeaveWriteGate()
    {
        _wire.ExitWrite();
        if (_state == ResponseState.Complete)
        {
            SignalDisconnect();
        }
    }

    /// <summary>Checks and counts one body piece, moves the state, and hands the piece to the wire (the head with the first).</summary>
    private ValueTask WritePiece(ReadOnlyMemory<byte> body, bool moreBody)
    {
        // Re-checked under the gate: a concurrent receive may have answered a body error (400/408/413) itself.
        if (_clientGone)
        {
            throw new ClientDisconnectedException();
        }

        if (_state >= ResponseState.TrailersPending)
        {
            ThrowBodyAfterLast();
        }

        var writeHead = _state == ResponseState.Started;
        if (writeHead)
        {
            DecideBody(body.Length, moreBody);
        }

        var last = !moreBody;
        CountPiece(body.Length, last, "'http.response.body' event: key 'body'");
        if (last && _trailersAnnounced)
        {
            // The body is over but the response is not: its trailer fields complete it.
            _state = ResponseState.TrailersPending;
            return writeHead ? _wire.WriteHeadAsync(body, last: false) : _wire.WriteBodyAsync(body, last: false);
        }

        _state = last ? ResponseState.Complete : ResponseState.HeadWritten;
        return writeHead ? _wire.WriteHeadAsync(body, last) : _wire.WriteBodyAsync(body, last);
    }

    private void ThrowBodyAfterLast() =>
        ThrowHelper.ThrowProtocol(_state == ResponseState.TrailersPending
            ? "'http.response.body' event sent after the last body piece (more_body was false): 'http.response.trailers' must follow."
            : "'http.response.body' event sent after the response was complete (more_body was false).");

    /// <summary>
    /// What the body carries, by the contract's rules: nothing for HEAD, 1xx, 204 and 304; the application's
    /// content-length when it gave one; a computed content-length when the body is sent in one piece (unless trailer
    /// fields will follow on HTTP/1.1, which need a chunked body, or the host streams such bodies: <see
    /// cref="UnsizedBodies"/>; a file's length is always known); otherwise an unknown length (the wire streams it).
    /// </summary>
    private void DecideBody(long firstLength, bool moreBody, bool isFile = false)
    {
        if (_status < 200 || _status == 204 || _status == 304)
        {
            _bodyKind = ResponseBodyKind.None;
        }
        else if (_info.HasContentLength)
        {
            _bodyKind = _isHead ? ResponseBodyKind.None : ResponseBodyKind.ContentLength;
        }
        else if (!moreBody && (isFile || !UnsizedBodies.Streamed) && !(_trailersAnnounced && TrailerSupport == TrailerSupport.ChunkedBody))
        {
            // A HEAD response still announces the length its GET would have (RFC 9110 §9.3.2), unless that is unknown.
            _bodyKind = _isHead ? ResponseBodyKind.None : ResponseBodyKind.ContentLength;
            _computedContentLength = _isHead && firstLength == 0 ? -1 : firstLength;
            _info.ContentLength = firstLength;
        }
        else
        {
            _bodyKind = _isHead ? ResponseBodyKind.None : ResponseBodyKind.Streamed;
        }
    }

    /// <summary>
    /// Counts a piece against the content-length before anything of it is written (so when it is the first piece, a
    /// clean 500 is still possible): more than the content-length raises; a last piece that leaves the body shorter
    /// marks the response short (the backend must not reuse the connection: the client would wait for the rest).
    /// </summary>
    private void CountPiece(long length, bool last, string eventKey)
    {
        if (_bodyKind == ResponseBodyKind.ContentLength && _bytes + length > _info.ContentLength)
        {
            ThrowHelper.ThrowProtocol($"{eventKey}: the response would exceed its content-length of {_info.ContentLength} bytes.");
        }

        _bytes += length;
        if (last)
        {
            _short = _bodyKind == ResponseBodyKind.ContentLength && _bytes < _info.ContentLength;
        }
    }

    /// <summary>
    /// <c>http.response.pathsend</c> (ASGI extension): the file is the whole body. It is opened and measured before
    /// anything is written, so a missing or unreadable file raises to the application while a clean 500 is still
    /// possible. It is then counted as a one-piece body of the file's length (an application content-length is
    /// honoured as for any body: a longer file raises, a shorter one makes the response short) and handed to the wire.
    /// </summary>
    private async ValueTask SendPathAsync(string path)
    {
        if (_clientGone)
        {
            throw new ClientDisconnectedException();
        }

        CheckPathSendAllowed();
        if (!Path.IsPathFullyQualified(path))
        {
            ThrowHelper.ThrowProtocol($"'http.response.pathsend' event: key 'path' must be an absolute file path, not '{path}'.");
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(file);

        await _wire.EnterWriteAsync().ConfigureAwait(false);
        try
        {
            // Re-checked under the gate: a concurrent receive may have answered a body error itself.
            if (_clientGone)
            {
                throw new ClientDisconnectedException();
            }

            CheckPathSendAllowed();
            DecideBody(length, moreBody: false, isFile: true);
            CountPiece(length, last: true, "'http.response.pathsend' event: key 'path'");
            _state = ResponseState.Complete;
            await _wire.WriteFileAsync(file, length, path).ConfigureAwait(false);
        }
        finally
        {
            LeaveWriteGate();
        }
    }

    /// <summary>The file is the whole body: allowed right after <c>http.response.start</c> only.</summary>
    private void CheckPathSendAllowed()
    {
        if (_state == ResponseState.NotStarted)
        {
            ThrowHelper.ThrowProtocol("'http.response.pathsend' event sent before 'http.response.start'.");
        }

        if (_state >= ResponseState.TrailersPending)
        {
            ThrowHelper.ThrowProtocol("'http.response.pathsend' event sent after the response was complete.");
        }

        if (_trailersAnnounced)
        {
            ThrowHelper.ThrowProtocol("'http.response.pathsend' event after 'http.response.start' with 'trailers': true: a file body cannot be followed by trailer fields; send it with 'http.response.body'.");
        }

        if (_state == ResponseState.HeadWritten)
        {
            ThrowHelper.ThrowProtocol("'http.response.pathsend' event sent after 'http.response.body': the file must be the whole body.");
        }
    }
}
