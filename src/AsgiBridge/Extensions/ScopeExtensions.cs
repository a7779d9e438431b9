namespace AsgiBridge.Extensions;

/// <summary>
/// The ASGI extensions a server-made scope declares in <c>scope["extensions"]</c>, decided per connection and shared
/// by its scopes: immutable, turned into the dictionary only when the application reads it (AsgiScope).
/// </summary>
internal sealed class ScopeExtensions
{
    /// <summary>An http scope on a connection without TLS: <c>http.response.pathsend</c>.</summary>
    public static readonly ScopeExtensions Http = new(pathSend: true, tls: null);

    private readonly ScopeExtensions? _connection;
    private ScopeExtensions? _forWebSocket;
    private ScopeExtensions?[]? _perRequest;

    public ScopeExtensions(bool pathSend, TlsExtension? tls)
        : this(pathSend, tls, earlyHint: false, trailers: false, connection: null)
    {
    }

    private ScopeExtensions(bool pathSend, TlsExtension? tls, bool earlyHint, bool trailers, ScopeExtensions? connection)
    {
        PathSend = pathSend;
        Tls = tls;
        EarlyHint = earlyHint;
        Trailers = trailers;
        _connection = connection;
    }

    /// <summary><c>http.response.early_hint</c>: HTTP/1.1 requests on AsgiBridge's handler (decided per request).</summary>
    public bool EarlyHint { get; }

    /// <summary>
    /// <c>http.response.trailers</c> (decided per request): where the response can carry trailer fields to a client that
    /// accepts them (HTTP/1.1 with <c>TE: trailers</c>, RFC 9110 §10.1.4; HTTP/2 and HTTP/3 always).
    /// </summary>
    public bool Trailers { get; }

    /// <summary>
    /// The set one request of this connection declares: the connection's set plus the extensions that depend on the
    /// request (its protocol version, its <c>TE</c> field). The four combinations are made once per connection set.
    /// </summary>
    public ScopeExtensions ForRequest(bool earlyHint, bool trailers)
    {
        if (earlyHint == EarlyHint && trailers == Trailers)
        {
            return this;
        }

        var connection = _connection ?? this;
        var index = (earlyHint ? 1 : 0) | (trailers ? 2 : 0);
        if (index == 0)
        {
            return connection;
        }

        // Racing connections may each make a variant: they are equal, and the last one stays cached.
        var variants = connection._perRequest ??= new ScopeExtensions?[4];
        return variants[index] ??= new ScopeExtensions(connection.PathSend, connection.Tls, earlyHint, trailers, connection);
    }

    /// <summary><c>http.response.pathsend</c>: http scopes only.</summary>
    public bool PathSend { get; }

    /// <summary>The ASGI TLS extension, on TLS connections only (its spec forbids it elsewhere).</summary>
    public TlsExtension? Tls { get; }

    /// <summary>The side object a scope shares with the other scopes of this set until it needs its own (AsgiScope).</summary>
    internal object? SharedSideObject { get; set; }

    /// <summary>What an http connection's scopes declare before the per-request ones (<see cref="ForRequest"/>): pathsend, and tls when the connection has TLS.</summary>
    public static ScopeExtensions ForHttp(TlsExtension? tls) =>
        tls is not null ? new ScopeExtensions(pathSend: true, tls) : Http;

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

        if (Trailers)
        {
            extensions["http.response.trailers"] = new Dictionary<string, object?>(StringComparer.Ordinal);
        }

        if (Tls is { } tls)
        {
            extensions["tls"] = tls.ToDictionary();
        }
    }
}
