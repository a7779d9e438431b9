using AsgiBridge.Infrastructure;

namespace AsgiBridge.Cycle;

/// <summary>
/// The ASGI side of one HTTP request, whatever protocol carries it: which <c>http.response.*</c> event may follow
/// which, their validation, what the body must carry (content-length accounting; HEAD, 1xx, 204 and 304 carry no
/// body), <c>more_body</c> in both directions, and the <c>http.disconnect</c> hand-shake. One instance per connection
/// (or stream), <see cref="Reset"/> per request; its <see cref="SendAsync"/> and <see cref="ReceiveAsync"/> are the
/// application's <c>send</c> and <c>receive</c>. It writes through an <see cref="IResponseWire"/> and reads through an
/// <see cref="IRequestBodySource"/>; how bytes are framed on the wire and whether a connection is reused are the
/// backend's (docs/architecture.md, "The request cycle").
/// </summary>
internal sealed partial class RequestCycle
{
    private readonly IResponseWire _wire;
    private readonly IRequestBodySource _body;

    private ResponseState _state;
    private int _status;
    private IReadOnlyList<AsgiHeader> _headers = [];
    private ResponseHeaderInfo _info;
    private ResponseBodyKind _bodyKind;
    private long _computedContentLength = -1;
    private long _bytes;
    private bool _short;
    private bool _isHead;
    private bool _clientGone;
    private bool _appDone;
    private bool _trailersAnnounced;

    public RequestCycle(IResponseWire wire, IRequestBodySource body)
    {
        _wire = wire;
        _body = body;
    }

    /// <summary>Where the response stands.</summary>
    public ResponseState State => _state;

    /// <summary>Whether the response head is written (or the server answered instead): a clean 500 is no longer possible.</summary>
    public bool HeadWritten => _state >= ResponseState.HeadWritten;

    /// <summary>Whether the response is complete (its last piece counted), or the server answered instead.</summary>
    public bool IsComplete => _state == ResponseState.Complete;

    /// <summary>The status of <c>http.response.start</c> (0 before it).</summary>
    public int Status => _status;

    /// <summary>The application's response headers, validated.</summary>
    public IReadOnlyList<AsgiHeader> Headers => _headers;

    /// <summary>What validation found in <see cref="Headers"/> (content-length, date, server, connection).</summary>
    public ref readonly ResponseHeaderInfo HeaderInfo => ref _info;

    /// <summary>Whether and how the body carries bytes, decided at the first body piece.</summary>
    public ResponseBodyKind BodyKind => _bodyKind;

    /// <summary>The content-length the server adds for a one-piece body without one; -1 when it adds none.</summary>
    public long ComputedContentLength => _computedContentLength;

    /// <summary>Body bytes the application sent (counted also where the wire carries none: HEAD, 204, 304).</summary>
    public long BodyBytes => _bytes;

    /// <summary>Body bytes on the wire: none when <see cref="BodyKind"/> is <see cref="ResponseBodyKind.None"/>.</summary>
    public long BodyBytesOnWire => _bodyKind == ResponseBodyKind.None ? 0 : _bytes;

    /// <summary>The response completed with fewer bytes than its content-length: the connection must not be reused.</summary>
    public bool IsShort => _short;

    /// <summary>The client is gone (or a request body error ended the request): every later send raises.</summary>
    public bool ClientGone => _clientGone;

    /// <summary>The application has returned.</summary>
    public bool AppDone => _appDone;

    /// <summary>Starts a request: everything of the previous one is forgotten.</summary>
    /// <param name="isHead">A HEAD request: its response carries no body (RFC 9110 §9.3.2).</param>
    public void Reset(bool isHead)
    {
        _state = ResponseState.NotStarted;
        _status = 0;
        _headers = [];
        _info = default;
        _bodyKind = ResponseBodyKind.Undecided;
        _computedContentLength = -1;
        _bytes = 0;
        _short = false;
        _isHead = isHead;
        EarlyHintsAllowed = false;
        TrailerSupport = TrailerSupport.None;
        _trailersAnnounced = false;
        _trailerFields = null;
        // A FIN from the client only ends its sending: the response can still be delivered (half-close).
        _clientGone = false;
        _appDone = false;
        ResetReceive();
    }

    /// <summary>The client left, or the backend ended the request over a body error.</summary>
    public void MarkClientGone() => _clientGone = true;

    /// <summary>The application returned: a waiting <c>receive</c> gets <c>http.disconnect</c>.</summary>
    public void OnAppReturned()
    {
        _appDone = true;
        SignalDisconnect();
    }

    /// <summary>
    /// With the write gate held: the server answers in the application's place (a request body error, a WebSocket
    /// handshake refusal), unless the application's head is already written. The response is then complete.
    /// </summary>
    public bool TryAnswerInstead()
    {
        if (HeadWritten)
        {
            return false;
        }

        _state = ResponseState.Complete;
        SignalDisconnect();
        return true;
    }

    /// <summary>The server wrote a 101 head for a WebSocket: the HTTP response is over.</summary>
    public void OnSwitchedProtocols()
    {
        _status = 101;
        _state = ResponseState.Complete;
    }

    /// <summary>The application's <c>send</c> for an <c>http</c> scope (and the HTTP answers of a <c>websocket</c> one).</summary>
    public ValueTask SendAsync(IDictionary<string, object?> message)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message)
        {
            case HttpResponseBodyEvent body:
                return SendBodyAsync(body.Body, body.MoreBody);
            case HttpResponseStartEvent start:
                StartResponse(start.Status, start.Headers, start.Trailers);
                return default;
            case HttpResponseTrailersEvent trailers:
                return SendTrailersAsync(trailers.Headers, trailers.MoreTrailers);
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
                    AsgiValues.ToHeaders(message.TryGetValue("headers", out var headers) ? headers : null, type, "headers"),
                    AsgiValues.ToBool(message.TryGetValue("trailers", out var announced) ? announced : null, type, "trailers"));
                return default;
            case "http.response.body":
                return SendBodyAsync(
                    AsgiValues.ToBytes(message.TryGetValue("body", out var body) ? body : null, type, "body"),
                    AsgiValues.ToBool(message.TryGetValue("more_body", out var more) ? more : null, type, "more_body"));
            case "http.response.pathsend":
                return SendPathAsync(
                    AsgiValues.ToNullableString(message.TryGetValue("path", out var path) ? path : null, type, "path")
                    ?? throw new AsgiProtocolException("'http.response.pathsend' event: missing required key 'path'."));
            case EarlyHintType:
                return SendEarlyHintAsync(message);
            case TrailersType:
                return SendTrailersAsync(
                    AsgiValues.ToHeaders(message.TryGetValue("headers", out var fields) ? fields : null, type, "headers"),
                    AsgiValues.ToBool(message.TryGetValue("more_trailers", out var moreTrailers) ? moreTrailers : null, type, "more_trailers"));
            case null:
                ThrowHelper.ThrowProtocol("Event has no 'type' key (or it is not a string).");
                return default;
            default:
                ThrowHelper.ThrowProtocol($"Unknown event type '{type}' for an 'http' scope.");
                return default;
        }
    }

    private void StartResponse(int status, IReadOnlyList<AsgiHeader> headers, bool trailers)
    {
        if (_clientGone)
        {
            // Includes the case where the server already answered (408/400/413) a body error itself.
            throw new ClientDisconnectedException();
        }

        if (_state != ResponseState.NotStarted)
        {
            ThrowHelper.ThrowProtocol(_state == ResponseState.Complete
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

        _info = ResponseHeaderInfo.Validate(headers);
        if (trailers)
        {
            CheckTrailersFitBody(status);
        }

        _headers = headers;
        _status = status;
        _trailersAnnounced = trailers;
        _state = ResponseState.Started;
    }
}
