namespace AsgiBridge.Extensions;

/// <summary>
/// The ASGI extensions a server-made scope declares in <c>scope["extensions"]</c>, decided per connection and shared
/// by its scopes: immutable, turned into the dictionary only when the application reads it (AsgiScope).
/// </summary>
internal sealed class ScopeExtensions
{
    /// <summary>An http scope on a connection without TLS: <c>http.response.pathsend</c>.</summary>
    public static readonly ScopeExtensions Http = new(pathSend: true, tls: null);

    private ScopeExtensions? _withoutPathSend;

    public ScopeExtensions(bool pathSend, TlsExtension? tls)
    {
        PathSend = pathSend;
        Tls = tls;
    }

    /// <summary><c>http.response.pathsend</c>: http scopes only.</summary>
    public bool PathSend { get; }

    /// <summary>The ASGI TLS extension, on TLS connections only (its spec forbids it elsewhere).</summary>
    public TlsExtension? Tls { get; }

    /// <summary>The side object a scope shares with the other scopes of this set until it needs its own (AsgiScope).</summary>
    internal object? SharedSideObject { get; set; }

    /// <summary>What an http connection's scopes declare: pathsend, and tls when the connection has TLS.</summary>
    public static ScopeExtensions ForHttp(TlsExtension? tls) => tls is null ? Http : new ScopeExtensions(pathSend: true, tls);

    /// <summary>The same set without <c>http.response.pathsend</c> (a websocket scope made from an http one); null when nothing is left.</summary>
    public ScopeExtensions? WithoutPathSend() =>
        !PathSend ? this : Tls is null ? null : _withoutPathSend ??= new ScopeExtensions(pathSend: false, Tls);

    /// <summary>Adds the declared extensions to a new <c>extensions</c> dictionary.</summary>
    public void AddTo(Dictionary<string, object?> extensions)
    {
        if (PathSend)
        {
            extensions["http.response.pathsend"] = new Dictionary<string, object?>(StringComparer.Ordinal);
        }

        if (Tls is { } tls)
        {
            extensions["tls"] = tls.ToDictionary();
        }
    }
}
