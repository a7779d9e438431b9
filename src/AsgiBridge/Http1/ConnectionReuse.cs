using AsgiBridge.Cycle;

namespace AsgiBridge.Http1;

/// <summary>
/// Whether the connection may serve another request after the current one (RFC 9112 §9.3). Decided here and only
/// here: the request loop, the output producer and the body reader report what they see (<see cref="End"/>), and
/// the response head asks <see cref="OnResponseHead"/>, so the head's <c>connection: close</c> and the connection's
/// fate always agree. docs/http1.md ("Keep-alive and close") lists the reasons.
/// </summary>
internal sealed class ConnectionReuse
{
    private readonly RequestHead _head;
    private bool _keepAlive;
    private ReuseEnd _reason;
    private volatile bool _closeRequested;

    public ConnectionReuse(RequestHead head) => _head = head;

    /// <summary>The connection's request body reader (set once, when the connection is built).</summary>
    public Http1RequestBody Body { private get; set; } = null!;

    /// <summary>Whether the connection may serve another request after this one, as decided so far.</summary>
    public bool KeepAlive => _keepAlive;

    /// <summary>Why it may not (<see cref="ReuseEnd.None"/> while it may).</summary>
    public ReuseEnd Reason => _reason;

    /// <summary>
    /// The host is shutting down (Kestrel's close request) or this is the last request <c>Asgi:LimitMaxRequests</c>
    /// allows: no request after this one. Lasts for the connection.
    /// </summary>
    public bool CloseRequested => _closeRequested;

    /// <summary>Kestrel asked the connection to close, or the request limit is reached. May come from any thread.</summary>
    public void RequestClose() => _closeRequested = true;

    /// <summary>A request head is parsed: RFC 9112 §9.3, HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".</summary>
    public void StartRequest()
    {
        _reason = ReuseEnd.None;
        _keepAlive = true;
        if (_head.ConnectionClose)
        {
            End(ReuseEnd.ClientAskedClose);
        }
        else if (_head.IsHttp10 && !_head.ConnectionKeepAlive)
        {
            End(ReuseEnd.Http10WithoutKeepAlive);
        }
    }

    /// <summary>The connection must close after this request; the first reason is kept.</summary>
    public void End(ReuseEnd reason)
    {
        if (_keepAlive)
        {
            _keepAlive = false;
            _reason = reason;
        }
    }

    /// <summary>The response head is about to be written with <paramref name="framing"/>: every rule known by then.</summary>
    /// <param name="cycle">The request's cycle (status, headers, whether the body is already short).</param>
    /// <param name="framing">The HTTP/1.1 framing chosen for the body.</param>
    public void OnResponseHead(RequestCycle cycle, ResponseFraming framing)
    {
        if (framing == ResponseFraming.None && cycle.Status < 200)
        {
            // A 1xx is not a final response: the client still waits for one. Close so it stops waiting.
            End(ReuseEnd.InformationalFinalStatus);
        }
        else if (framing == ResponseFraming.CloseDelimited)
        {
            // RFC 9112 §6.3: the end of the body is the end of the connection.
            End(ReuseEnd.CloseDelimited);
        }

        if (cycle.IsShort)
        {
            // A body shorter than its content-length: the client would wait for the rest.
            End(ReuseEnd.ShortResponse);
        }

        if (cycle.HeaderInfo.ConnectionClose)
        {
            End(ReuseEnd.AppAskedClose);
        }

        if (_closeRequested)
        {
            End(ReuseEnd.CloseRequested);
        }

        var body = Body;
        if (body.UninvitedBodyPending)
        {
            // RFC 9110 §10.1.1: the client may never send a body it was not invited to send; closing keeps us in sync.
            End(ReuseEnd.UninvitedBody);
        }

        if (body.TooLargeToDrain)
        {
            // The unread rest of the request body is too large to drain: say so in the head.
            End(ReuseEnd.BodyTooLargeToDrain);
        }
    }
}

/// <summary>Why a connection is not reused after a request (docs/http1.md, "Keep-alive and close").</summary>
internal enum ReuseEnd : byte
{
    /// <summary>It may be reused.</summary>
    None,

    /// <summary>The request's <c>Connection</c> list contains <c>close</c>.</summary>
    ClientAskedClose,

    /// <summary>HTTP/1.0 without <c>Connection: keep-alive</c>.</summary>
    Http10WithoutKeepAlive,

    /// <summary>The application's response has <c>connection: close</c>.</summary>
    AppAskedClose,

    /// <summary>The response is close-delimited.</summary>
    CloseDelimited,

    /// <summary>The final status is 1xx.</summary>
    InformationalFinalStatus,

    /// <summary>The response ended before its content-length, or its file could not be sent whole.</summary>
    ShortResponse,

    /// <summary><c>Expect: 100-continue</c>, no 100 sent, the body not read.</summary>
    UninvitedBody,

    /// <summary>The unread rest of the request body is larger than the server drains.</summary>
    BodyTooLargeToDrain,

    /// <summary>Shutdown, or the last request <c>Asgi:LimitMaxRequests</c> allows.</summary>
    CloseRequested,

    /// <summary>The request body failed (a framing error, a limit, a timeout) or the client left while it was read.</summary>
    BodyFailed,

    /// <summary>The connection became a WebSocket.</summary>
    Upgraded,

    /// <summary>The response could not be completed (the application failed after the head, or returned early).</summary>
    Incomplete,
}
