using AsgiBridge.Http1;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// The ASGI response rules for one request on the HttpContext backend: which <c>http.response.*</c> event may follow
/// which, their validation (<see cref="ResponseHeaderInfo.Validate"/>: no response splitting, CVE-2020-7695),
/// content-length accounting, bodiless responses (HEAD, 1xx, 204, 304: RFC 9110 §6.4.1), and <c>pathsend</c>. The
/// same rules and messages as AsgiBridge's HTTP/1.1 handler (docs/contract.md, "send"); the writing is
/// <see cref="HttpContextResponseWire"/>'s. Sends are serialized by a gate, as on the HTTP/1.1 handler.
/// </summary>
/// <remarks>
/// Kept apart from the wire so it can give way to the protocol-neutral request cycle shared with the HTTP/1.1
/// handler (docs/architecture.md): this class is then replaced, the wire stays.
/// </remarks>
internal sealed class HttpContextResponse : IDisposable
{
    private readonly HttpContextResponseWire _wire;
    private readonly bool _isHead;
    private readonly AsyncGate _gate = new();
    private int _status;
    private IReadOnlyList<AsgiHeader> _headers = [];
    private ResponseHeaderInfo _info;
    private bool _suppressBody;
    private bool _lengthKnown;
    private long _length;
    private long _counted;

    public HttpContextResponse(HttpContextResponseWire wire, string method)
    {
        _wire = wire;
        _isHead = HttpMethodsIsHead(method);
    }

    public ResponseProgress Progress { get; private set; }

    /// <summary>The client left (a write failed, the request was aborted): sends raise <see cref="ClientDisconnectedException"/>.</summary>
    public bool ClientGone { get; set; }

    /// <summary>The application has returned: a late start raises.</summary>
    public bool AppDone { get; set; }

    /// <summary>The last piece was counted shorter than the application's content-length.</summary>
    public bool Short { get; private set; }

    public int Status => _status;

    public long DeclaredLength => _info.ContentLength;

    public long BytesCounted => _counted;

    /// <summary>Raised when the response becomes complete (receive then returns <c>http.disconnect</c>).</summary>
    public event Action? Completed;

    public ValueTask SendAsync(IDictionary<string, object?> message)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message)
        {
            case HttpResponseBodyEvent body:
                return SendBodyAsync(body.Body, body.MoreBody);
            case HttpResponseStartEvent start:
                Start(start.Status, start.Headers);
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

                Start(
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

    private void Start(int status, IReadOnlyList<AsgiHeader> headers)
    {
        if (ClientGone)
        {
            throw new ClientDisconnectedException();
        }

        if (Progress != ResponseProgress.NotStarted)
        {
            ThrowHelper.ThrowProtocol(Progress == ResponseProgress.Complete
                ? "'http.response.start' event sent after the response was complete."
                : "'http.response.start' event sent twice.");
        }

        if (AppDone)
        {
            ThrowHelper.ThrowProtocol("'http.response.start' event sent after the application returned.");
        }

        if (status is < 100 or > 999 or 101)
        {
            ThrowHelper.ThrowProtocol($"'http.response.start' event: key 'status' must be a 3-digit status code other than 101, not {status}.");
        }

        _info = ResponseHeaderInfo.Validate(headers);
        _headers = headers;
        _status = status;
        Progress = ResponseProgress.Started;
    }

    private async ValueTask SendBodyAsync(ReadOnlyMemory<byte> body, bool moreBody)
    {
        CheckBodyAllowed();
        await _gate.EnterAsync().ConfigureAwait(false);
        try
        {
            // Re-checked under the gate: another send may have completed the response meanwhile.
            CheckBodyAllowed();
            var last = !moreBody;
            if (Progress == ResponseProgress.Started)
            {
                ChooseLength(body.Length, moreBody);
                Count(body.Length, last, "'http.response.body' event: key 'body'");
                _wire.SetHead(_status, _headers, HeadLength(body.Length, moreBody));
                Progress = last ? ResponseProgress.Complete : ResponseProgress.HeadWritten;
            }
            else
            {
                Count(body.Length, last, "'http.response.body' event: key 'body'");
                if (last)
                {
                    Progress = ResponseProgress.Complete;
                }
            }

            await WriteAsync(_suppressBody ? default : body, last && !Short).ConfigureAwait(false);
        }
        finally
        {
            _gate.Exit();
            if (Progress == ResponseProgress.Complete)
            {
                Completed?.Invoke();
            }
        }
    }

    private void CheckBodyAllowed()
    {
        if (ClientGone)
        {
            throw new ClientDisconnectedException();
        }

        switch (Progress)
        {
            case ResponseProgress.NotStarted:
                ThrowHelper.ThrowProtocol("'http.response.body' event sent before 'http.response.start'.");
                break;
            case ResponseProgress.Complete:
                ThrowHelper.ThrowProtocol("'http.response.body' event sent after the response was complete (more_body was false).");
                break;
        }
    }

    /// <summary>
    /// <c>http.response.pathsend</c>: the file is opened and measured before anything is written (a missing file
    /// raises while a clean 500 is still possible), counted as a one-piece body of its length, then sent.
    /// </summary>
    private async ValueTask SendPathAsync(string path)
    {
        if (ClientGone)
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
        await _gate.EnterAsync().ConfigureAwait(false);
        try
        {
            if (ClientGone)
            {
                throw new ClientDisconnectedException();
            }

            CheckPathSendAllowed();
            ChooseLength(length, moreBody: false);
            Count(length, last: true, "'http.response.pathsend' event: key 'path'");
            _wire.SetHead(_status, _headers, HeadLength(length, moreBody: false));
            Progress = ResponseProgress.Complete;
            if (_suppressBody || length == 0)
            {
                await WriteAsync(default, last: !Short).ConfigureAwait(false);
            }
            else
            {
                await _wire.WriteFileAsync(file, length, path).ConfigureAwait(false);
            }
        }
        catch (ClientDisconnectedException)
        {
            ClientGone = true;
            throw;
        }
        finally
        {
            _gate.Exit();
            if (Progress == ResponseProgress.Complete)
            {
                Completed?.Invoke();
            }
        }
    }

    private void CheckPathSendAllowed()
    {
        switch (Progress)
        {
            case ResponseProgress.NotStarted:
                ThrowHelper.ThrowProtocol("'http.response.pathsend' event sent before 'http.response.start'.");
                break;
            case ResponseProgress.Complete:
                ThrowHelper.ThrowProtocol("'http.response.pathsend' event sent after the response was complete.");
                break;
            case ResponseProgress.HeadWritten:
                ThrowHelper.ThrowProtocol("'http.response.pathsend' event sent after 'http.response.body': the file must be the whole body.");
                break;
        }
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> body, bool last)
    {
        try
        {
            await _wire.WriteBodyAsync(body, last).ConfigureAwait(false);
        }
        catch (ClientDisconnectedException)
        {
            ClientGone = true;
            throw;
        }
    }

    /// <summary>
    /// The contract's framing rules, in the terms every protocol shares: the application's content-length is
    /// honoured; a response sent in one piece gets its length; HEAD, 1xx, 204 and 304 carry no body bytes.
    /// </summary>
    private void ChooseLength(long firstLength, bool moreBody)
    {
        _suppressBody = _isHead || _status < 200 || _status == 204 || _status == 304;
        if (_info.HasContentLength)
        {
            _lengthKnown = true;
            _length = _info.ContentLength;
        }
        else if (!moreBody)
        {
            _lengthKnown = true;
            _length = firstLength;
            _info.ContentLength = firstLength;
        }
    }

    /// <summary>The content-length to declare: none for a status without a body or a HEAD answer of unknown length.</summary>
    private long HeadLength(long firstLength, bool moreBody)
    {
        if (_status < 200 || _status == 204 || _status == 304)
        {
            return -1;
        }

        if (_isHead && !_info.HasContentLength && (moreBody || firstLength == 0))
        {
            return -1;
        }

        return _lengthKnown ? _length : -1;
    }

    /// <summary>
    /// Counts a piece before anything of it is written: more than the content-length raises (when it is the first
    /// piece, a clean 500 is still possible); a last piece short of it marks the response short (it is then aborted,
    /// never completed: a truncated response must not look complete).
    /// </summary>
    private void Count(long length, bool last, string eventKey)
    {
        if (_lengthKnown && !_suppressBody && _counted + length > _length)
        {
            ThrowHelper.ThrowProtocol($"{eventKey}: the response would exceed its content-length of {_length} bytes.");
        }

        _counted += length;
        if (last)
        {
            Short = _lengthKnown && !_suppressBody && _counted < _length;
        }
    }

    private static bool HttpMethodsIsHead(string method) => Microsoft.AspNetCore.Http.HttpMethods.IsHead(method);

    public void Dispose() => _gate.Dispose();
}
