namespace AsgiBridge.Extensions;

/// <summary>
/// The ASGI extensions a server-made scope declares in <c>scope["extensions"]</c>, decided per connection and shared
/// by its scopes: immutable, turned into the dictionary only when the application reads it (AsgiScope).
/// </summary>
internal sealed class ScopeExtensions
{
    /// <summary>An http scope on a connection without TLS: <c>http.response.pathsend</c>.</summary>
    public static readonly ScopeExtensions Http = new(pathSend: true, tls: null);

    private ScopeExtensions? _forWebSocket;
    private ScopeExtensions? _withoutEarlyHint;
    private ScopeExtensions? _withEarlyHint;

    public ScopeExtensions(bool pathSend, TlsExtension? tls, bool earlyHint = false)
    {
        PathSend = pathSend;
        Tls = tls;
        EarlyHint = earlyHint;
    }

    /// <summary><c>http.response.early_hint</c>: HTTP/1.1 requests on AsgiBridge's handler.</summary>
    public bool EarlyHint { get; }

    /// <summary>The same set with <c>http.response.early_hint</c> (made once per set).</summary>
    public ScopeExtensions WithEarlyHint() => EarlyHint ? this : _withEarlyHint ??= new ScopeExtensions(PathSend, Tls, earlyHint: true);

    /// <summary>The same set without <c>http.response.early_hint</c> (an HTTP/1.0 request: no 1xx for it, RFC 9110 §15.2).</summary>
    public ScopeExtensions WithoutEarlyHint() => !EarlyHint ? this : _withoutEarlyHint ??= new ScopeExtensions(PathSend, Tls);

    /// <summary><c>http.response.pathsend</c>: http scopes only.</summary>
    public bool PathSend { get; }

    /// <summary>The ASGI TLS extension, on TLS connections only (its spec forbids it elsewhere).</summary>
    public TlsExtension? Tls { get; }

    /// <summary>The side object a scope shares with the other scopes of this set until it needs its own (AsgiScope).</summary>
    internal object? SharedSideObject { get; set; }

    /// <summary>What an http connection's scopes declare: pathsend, early_hint when the backend can send a 103, and tls when the connection has TLS.</summary>
    public static ScopeExtensions ForHttp(TlsExtension? tls, bool earlyHint = false) =>
        tls is not null ? new ScopeExtensions(pathSend: true, tls, earlyHint) : earlyHint ? Http.WithEarlyHint() : Http;

    /// <summary>An http scope's set seen by a websocket scope: no pathsend, no early hints; null when nothing is left.</summary>
    public ScopeExtensions? ForWebSocket() => Tls is null ? null : _forWebSocket ??= new ScopeExtensions(pathSend: false, Tls);

    /// <summary>Adds the declared extensions to a new <c>extensions</c> dictionary.</summary>
    public void AddTo(Dictionary<string, object?> extensions)
    {
        if (PathSend)
        {
            extensions["http.response.pathsend"] = new Dictionary<string, object?>(StringComparer.Ordinal);
        }

        if (EarlyHint)
        {
            extensions["http.response.early_hint"] = new Dictionary<string, object?>(StringComparer.Ordinal);
        }

        if (Tls is { } tls)
        {
            extensions["tls"] = tls.ToDictionary();
        }
    }
}
