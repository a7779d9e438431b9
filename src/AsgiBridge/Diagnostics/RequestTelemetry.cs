using System.Buffers;
using System.Diagnostics;
using AsgiBridge.Http1;

namespace AsgiBridge.Diagnostics;

/// <summary>
/// One connection's telemetry of its requests: the access log line, the HTTP server metrics and the server span
/// (docs/observability.md). One instance per connection, reused for every request. What a request records is decided
/// once, when it starts: when no logger, meter listener or activity listener wants it, nothing else happens until
/// the next request starts (no clock read, no allocation).
/// </summary>
internal sealed class RequestTelemetry : IDisposable
{
    [Flags]
    private enum Parts : byte
    {
        None = 0,
        Log = 1,
        Duration = 2,
        Active = 4,
        Span = 8,
        WebSocket = 16,
    }

    private readonly ServerDiagnostics _server;
    private readonly AsgiMetrics _metrics;
    private readonly bool _countedConnection;

    private Parts _parts;
    private long _startTimestamp;
    private AsgiScope? _scope;
    private RequestHead? _head;
    private string _method = "";
    private string _scheme = "";
    private Activity? _activity;
    private Activity? _previousActivity;
    private string? _errorType;
    private Exception? _failure;
    private int _answeredStatus;
    private long _answeredBytes;
    private bool _webSocketOpen;
    private bool _webSocketCounted;
    private bool _webSocketAccepted;
    private byte[]? _rejectedLine;

    // The client's text is made once per connection (every scope of a connection shares its endpoint object).
    private AsgiEndpoint? _clientEndpoint;
    private string _clientText = AccessLog.Unknown;

    public RequestTelemetry(ServerDiagnostics server)
    {
        _server = server;
        _metrics = server.Metrics;
        if (_metrics.OpenConnections.Enabled)
        {
            _metrics.OpenConnections.Add(1);
            _countedConnection = true;
        }
    }

    /// <summary>Whether the request in progress records anything.</summary>
    public bool IsRecording => _parts != Parts.None;

    /// <summary>A request's scope is built and its application is about to run.</summary>
    public void Start(AsgiScope scope, RequestHead head)
    {
        var parts = Parts.None;
        if (_server.AccessLogEnabled)
        {
            parts |= Parts.Log;
        }

        if (_metrics.RequestDuration.Enabled)
        {
            parts |= Parts.Duration;
        }

        if (_metrics.ActiveRequests.Enabled)
        {
            parts |= Parts.Active;
        }

        if (AsgiTracing.Source.HasListeners())
        {
            parts |= Parts.Span;
        }

        if (parts != Parts.None)
        {
            Begin(parts, scope, head);
        }
    }

    /// <summary>A WebSocket request's scope is built: its session lines and counters are always considered (sessions are few).</summary>
    public void StartWebSocket(AsgiScope scope, RequestHead head)
    {
        Start(scope, head);
        if (_parts == Parts.None)
        {
            Begin(Parts.WebSocket, scope, head);
        }
    }

    private void Begin(Parts parts, AsgiScope scope, RequestHead head)
    {
        _parts = parts;
        _startTimestamp = Stopwatch.GetTimestamp();
        _scope = scope;
        _head = head;
        _method = HttpConventions.NormalizeMethod(head.Method);
        _scheme = HttpConventions.UrlSchemeOf(scope.Scheme);
        _errorType = null;
        _failure = null;
        _answeredStatus = 0;
        _answeredBytes = 0;
        _webSocketAccepted = false;
        if ((parts & Parts.Active) != 0)
        {
            _metrics.ActiveRequests.Add(1, new(HttpConventions.HttpRequestMethod, _method), new(HttpConventions.UrlScheme, _scheme));
        }

        if ((parts & Parts.Span) != 0)
        {
            _previousActivity = Activity.Current;
            _activity = AsgiTracing.StartServerSpan(scope, _method, _scheme);
        }
    }

    /// <summary>The application raised (its exception type becomes <c>error.type</c>).</summary>
    public void Failed(Exception exception)
    {
        if (_parts != Parts.None)
        {
            _failure = exception;
            _errorType = exception.GetType().FullName;
        }
    }

    /// <summary>The server answered (or tried to answer) the request itself: an error status with a short text body.</summary>
    public void Answered(int status, long bodyBytes)
    {
        if (_parts != Parts.None)
        {
            _answeredStatus = status;
            _answeredBytes = bodyBytes;
        }
    }

    /// <summary>The request's body broke a rule or a limit while the application ran (the server answers it if it still can).</summary>
    public void Rejected(RequestRejection reason)
    {
        CountRejection(reason.ToString(), RequestRejections.Status(reason));
        if (_parts != Parts.None)
        {
            _errorType = reason.ToString();
        }
    }

    /// <summary>The request is over: the response is complete, or it never will be. Cheap when nothing records.</summary>
    public void End(int status, long bytesSent, bool responseComplete, bool clientGone)
    {
        if (_parts != Parts.None)
        {
            Finish(status, bytesSent, responseComplete, clientGone, abandoned: null);
        }
    }

    private void Finish(int status, long bytesSent, bool responseComplete, bool clientGone, string? abandoned)
    {
        var now = Stopwatch.GetTimestamp();
        if (_answeredStatus != 0)
        {
            status = _answeredStatus;
            bytesSent = _answeredBytes;
            responseComplete = true;
        }

        var errorType = _errorType ?? abandoned
            ?? (!responseComplete ? (clientGone ? "ClientDisconnected" : "ResponseIncomplete") : null)
            ?? (status >= 500 ? HttpConventions.StatusText(status) : null);

        var parts = _parts;
        if ((parts & Parts.Active) != 0)
        {
            _metrics.ActiveRequests.Add(-1, new(HttpConventions.HttpRequestMethod, _method), new(HttpConventions.UrlScheme, _scheme));
        }

        if ((parts & Parts.Duration) != 0 && _metrics.RequestDuration.Enabled)
        {
            var tags = new TagList
            {
                { HttpConventions.HttpRequestMethod, _method },
                { HttpConventions.UrlScheme, _scheme },
                { HttpConventions.NetworkProtocolVersion, _head!.IsHttp10 ? "1.0" : "1.1" },
            };
            if (status > 0)
            {
                tags.Add(HttpConventions.HttpResponseStatusCode, HttpConventions.BoxedStatus(status));
            }

            if (errorType is not null)
            {
                tags.Add(HttpConventions.ErrorType, errorType);
            }

            _metrics.RequestDuration.Record(Stopwatch.GetElapsedTime(_startTimestamp, now).TotalSeconds, tags);
        }

        if (_activity is { } activity)
        {
            AsgiTracing.StopServerSpan(activity, status, errorType, _failure);
            Activity.Current = _previousActivity;
        }

        // An accepted WebSocket session has its own lines (accepted, closed) instead of the request's.
        if ((parts & Parts.Log) != 0 && !_webSocketAccepted && _server.AccessLogger is { } logger)
        {
            var milliseconds = AccessLog.Milliseconds(_startTimestamp, now);
            if (status > 0)
            {
                AccessLog.Request(logger, ClientText(), _head!.Method, Target(), HttpVersion(), status, bytesSent, milliseconds);
            }
            else
            {
                AccessLog.RequestWithoutResponse(logger, ClientText(), _head!.Method, Target(), HttpVersion(), milliseconds, errorType ?? "ClientDisconnected");
            }
        }

        _parts = Parts.None;
        _scope = null;
        _head = null;
        _activity = null;
        _previousActivity = null;
        _failure = null;
    }

    /// <summary>The server wrote the 101 and the session is open.</summary>
    public void WebSocketAccepted()
    {
        if (_parts == Parts.None || _webSocketOpen)
        {
            return;
        }

        _webSocketOpen = true;
        _webSocketAccepted = true;
        if (_metrics.ActiveWebSockets.Enabled)
        {
            _metrics.ActiveWebSockets.Add(1);
            _webSocketCounted = true;
        }

        if (_server.AccessLogEnabled)
        {
            AccessLog.WebSocketAccepted(_server.AccessLogger!, ClientText(), AccessLog.WebSocketMethod, Target());
        }
    }

    /// <summary>An accepted session ended with <paramref name="closeCode"/> (1006 when the connection dropped).</summary>
    public void WebSocketClosed(int closeCode)
    {
        if (!_webSocketOpen)
        {
            return;
        }

        _webSocketOpen = false;
        if (_webSocketCounted)
        {
            _webSocketCounted = false;
            _metrics.ActiveWebSockets.Add(-1);
        }

        if (_metrics.ClosedWebSockets.Enabled)
        {
            _metrics.ClosedWebSockets.Add(1, new KeyValuePair<string, object?>(AsgiMetrics.CloseCodeTag, closeCode));
        }

        if (_server.AccessLogEnabled && _parts != Parts.None)
        {
            AccessLog.WebSocketClosed(_server.AccessLogger!, ClientText(), AccessLog.WebSocketMethod, Target(), closeCode, AccessLog.Milliseconds(_startTimestamp, Stopwatch.GetTimestamp()));
        }
    }

    /// <summary>
    /// Keeps the first line of input the head parser is rejecting before it completed a request line, so the access
    /// line can show what was sent (escaped). Only when the access log is on: this is the rejection path.
    /// </summary>
    public void KeepRejectedRequestLine(in ReadOnlySequence<byte> input, int maxLength)
    {
        _rejectedLine = null;
        if (!_server.AccessLogEnabled)
        {
            return;
        }

        var reader = new SequenceReader<byte>(input);
        reader.AdvancePastAny((byte)'\r', (byte)'\n'); // empty lines before the request line are ignored (RFC 9112 §2.2)
        var rest = input.Slice(reader.Position);
        var length = (int)Math.Min(rest.Length, Math.Min(maxLength, LogText.MaxBytes));
        var line = rest.Slice(0, length).ToArray();
        var end = line.AsSpan().IndexOf((byte)'\n');
        if (end >= 0)
        {
            line = line[..(end > 0 && line[end - 1] == (byte)'\r' ? end - 1 : end)];
        }

        _rejectedLine = line;
    }

    /// <summary>The head parser rejected a request (or its head timed out): the rejection counter and an access line with what is known.</summary>
    public void HeadRejected(RequestRejection reason, RequestHead head, AsgiEndpoint? client)
    {
        var status = RequestRejections.Status(reason);
        CountRejection(reason.ToString(), status);
        LogRejected(head, client, status, RequestRejections.Answer(reason).Body.Length, reason.ToString());
    }

    /// <summary>A request was refused with 503 by <c>Asgi:LimitConcurrency</c> / <c>Asgi:LimitMaxRequests</c>.</summary>
    public void Refused(RequestHead head, AsgiEndpoint? client, long bodyBytes)
    {
        const string Reason = "LimitReached";
        CountRejection(Reason, 503);
        LogRejected(head, client, 503, bodyBytes, Reason);
    }

    private void CountRejection(string reason, int status)
    {
        if (_metrics.RejectedRequests.Enabled)
        {
            _metrics.RejectedRequests.Add(1, new(HttpConventions.ErrorType, reason), new(HttpConventions.HttpResponseStatusCode, HttpConventions.BoxedStatus(status)));
        }
    }

    private void LogRejected(RequestHead head, AsgiEndpoint? client, int status, long bodyBytes, string reason)
    {
        var line = _rejectedLine;
        _rejectedLine = null;
        if (!_server.AccessLogEnabled)
        {
            return;
        }

        string method, target, version;
        if (head.RequestLineDone)
        {
            (method, target, version) = (head.Method, TargetOf(head), head.IsHttp10 ? "1.0" : "1.1");
        }
        else if (line is not null)
        {
            (method, target, version) = SplitRequestLine(line);
        }
        else
        {
            (method, target, version) = (AccessLog.Unknown, AccessLog.Unknown, AccessLog.Unknown);
        }

        AccessLog.RequestRejected(_server.AccessLogger!, ClientText(client), method, target, version, status, bodyBytes, reason);
    }

    /// <summary>A rejected line's parts as far as they can be told apart, each escaped; <c>-</c> for a part that is missing.</summary>
    private static (string Method, string Target, string Version) SplitRequestLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return (AccessLog.Unknown, AccessLog.Unknown, AccessLog.Unknown);
        }

        var firstSpace = line.IndexOf((byte)' ');
        if (firstSpace < 0)
        {
            return (LogText.Escape(line), AccessLog.Unknown, AccessLog.Unknown);
        }

        var method = LogText.Escape(line[..firstSpace]);
        var rest = line[(firstSpace + 1)..];
        var secondSpace = rest.LastIndexOf((byte)' ');
        if (secondSpace < 0)
        {
            return (method, rest.IsEmpty ? AccessLog.Unknown : LogText.Escape(rest), AccessLog.Unknown);
        }

        var version = rest[(secondSpace + 1)..];
        if (version.StartsWith("HTTP/"u8))
        {
            version = version[5..];
        }

        return (method, LogText.Escape(rest[..secondSpace]), version.IsEmpty ? AccessLog.Unknown : LogText.Escape(version));
    }

    private string Target() => _head is { } head ? TargetOf(head) : AccessLog.Unknown;

    /// <summary>The raw request target (path and query as received, never decoded), escaped.</summary>
    private static string TargetOf(RequestHead head)
    {
        var bytes = head.Arena.Span;
        if (head.RawPathStart + head.RawPathLength > bytes.Length || head.QueryStart + head.QueryLength > bytes.Length)
        {
            return AccessLog.Unknown;
        }

        return LogText.Target(bytes.Slice(head.RawPathStart, head.RawPathLength), bytes.Slice(head.QueryStart, head.QueryLength));
    }

    private string HttpVersion() => _head!.IsHttp10 ? "1.0" : "1.1";

    /// <summary>The client as the scope has it when the line is written (after any proxy-header rewriting).</summary>
    private string ClientText() => ClientText(_scope?.Client);

    private string ClientText(AsgiEndpoint? client)
    {
        if (!ReferenceEquals(client, _clientEndpoint))
        {
            _clientEndpoint = client;
            _clientText = AccessLog.Client(client);
        }

        return _clientText;
    }

    /// <summary>The connection is gone: ends a request still in progress, an open session, and the connection count.</summary>
    public void Dispose()
    {
        if (_webSocketOpen)
        {
            WebSocketClosed(1006);
        }

        if (_parts != Parts.None)
        {
            Finish(0, 0, responseComplete: false, clientGone: true, abandoned: "ConnectionAborted");
        }

        if (_countedConnection)
        {
            _metrics.OpenConnections.Add(-1);
        }
    }
}
