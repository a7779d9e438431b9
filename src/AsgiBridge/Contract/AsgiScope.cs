using AsgiBridge.Extensions;
namespace AsgiBridge;

/// <summary>
/// The ASGI connection scope. Readable as a dictionary with the ASGI key names (<c>scope["path"]</c>) and through
/// typed properties for the hot keys (<see cref="Path"/>), which cost no boxing or parsing. A new scope is
/// created for every request, so an application may keep it or change it (middleware sets <see cref="RootPath"/>).
/// </summary>
public sealed class AsgiScope : AsgiDictionary
{
    private static readonly string[] s_keys =
    [
        "type", "asgi", "http_version", "method", "scheme", "path", "raw_path", "query_string", "root_path",
        "headers", "client", "server", "subprotocols", "state", "extensions",
    ];

    private IDictionary<string, object?>? _state;
    private IDictionary<string, object?>? _stateSource;

    // Keys most requests never touch live in a side object made on first use: 16 bytes less per request on the
    // hot path (measured with bench/Micro --live-allocations).
    private Rare? _rare;

    /// <summary>Creates a scope of the given type.</summary>
    /// <param name="type"><c>"http"</c>, <c>"websocket"</c> or <c>"lifespan"</c>.</param>
    public AsgiScope(string type)
    {
        Type = type;
        HttpVersion = "1.1";
        Method = "GET";
        Scheme = "http";
        Path = "/";
        RootPath = "";
    }

    /// <summary>The server's constructor for a request scope: every field stored once (no defaults overwritten).</summary>
    internal AsgiScope(
        string type, string httpVersion, string method, string scheme, string path, ReadOnlyMemory<byte> rawPath,
        ReadOnlyMemory<byte> queryString, string rootPath, AsgiEndpoint? client, AsgiEndpoint? server)
    {
        Type = type;
        HttpVersion = httpVersion;
        Method = method;
        Scheme = scheme;
        Path = path;
        RawPath = rawPath;
        QueryString = queryString;
        RootPath = rootPath;
        Client = client;
        Server = server;
    }

    /// <summary>The ASGI version of this server's contract: <c>3.0</c>.</summary>
    public const string AsgiVersion = "3.0";

    /// <summary>The ASGI HTTP/WebSocket message-format version the server implements.</summary>
    public const string SpecVersion = "2.4";

    /// <summary><c>type</c>: <c>"http"</c>, <c>"websocket"</c> or <c>"lifespan"</c>.</summary>
    public string Type { get; set; }

    /// <summary><c>http_version</c>: <c>"1.0"</c>, <c>"1.1"</c> or <c>"2"</c>.</summary>
    public string HttpVersion { get; set; }

    /// <summary><c>method</c>: the request method, upper case as received.</summary>
    public string Method { get; set; }

    /// <summary><c>scheme</c>: <c>"http"</c>, <c>"https"</c>, <c>"ws"</c> or <c>"wss"</c>.</summary>
    public string Scheme { get; set; }

    /// <summary><c>path</c>: the percent-decoded path, as UTF-8 text.</summary>
    public string Path { get; set; }

    /// <summary><c>raw_path</c>: the path bytes of the request target as received.</summary>
    public ReadOnlyMemory<byte> RawPath { get; set; }

    /// <summary><c>query_string</c>: the bytes after <c>?</c>, still percent-encoded.</summary>
    public ReadOnlyMemory<byte> QueryString { get; set; }

    /// <summary><c>root_path</c>: the mount point of the application. Defaults to the configured root path.</summary>
    public string RootPath { get; set; }

    private IReadOnlyList<AsgiHeader>? _headers;

    // The server's packed request headers (PackedHeaders), unpacked into _headers on first use.
    private byte[]? _packedHeaders;

    /// <summary><c>headers</c>: the request headers in wire order, names lower-cased, duplicates kept.</summary>
    public IReadOnlyList<AsgiHeader> Headers
    {
        get => _headers ?? UnpackHeaders();
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _packedHeaders = null;
            _headers = value;
        }
    }

    /// <summary>Gives the scope the server's packed request headers (see <see cref="PackedHeaders"/>).</summary>
    internal void SetPackedHeaders(byte[] packed)
    {
        _headers = null;
        _packedHeaders = packed;
    }

    /// <summary>
    /// The server's packed request headers while nobody has read or replaced <see cref="Headers"/>: a converter that
    /// copies every field anyway (the Python bridge) reads them in place instead of having the list built first.
    /// </summary>
    internal byte[]? PackedHeadersIfUnread => _headers is null ? _packedHeaders : null;

    private IReadOnlyList<AsgiHeader> UnpackHeaders()
    {
        var packed = _packedHeaders;
        IReadOnlyList<AsgiHeader> headers = packed is null ? [] : PackedHeaders.Unpack(packed);
        _headers = headers;
        return headers;
    }

    /// <summary><c>client</c>: the remote host and port, or null when unknown (unix sockets).</summary>
    public AsgiEndpoint? Client { get; set; }

    /// <summary><c>server</c>: the local host and port, or the socket path on a unix socket.</summary>
    public AsgiEndpoint? Server { get; set; }

    /// <summary><c>subprotocols</c>: the subprotocols a WebSocket client offered; null for other scope types.</summary>
    public IReadOnlyList<string>? Subprotocols
    {
        get => _rare?.Subprotocols;
        set => MutableRare().Subprotocols = value;
    }

    /// <summary>
    /// <c>state</c>: a shallow copy of the state the application filled during lifespan startup, made on first
    /// access (so a request that never reads it pays nothing); changes are not seen by other requests.
    /// </summary>
    public IDictionary<string, object?>? State
    {
        get => _state ??= _stateSource is null ? null : new Dictionary<string, object?>(_stateSource, StringComparer.Ordinal);
        set
        {
            _state = value;
            _stateSource = null;
        }
    }

    /// <summary>Sets the lifespan state this scope's <see cref="State"/> is copied from on first access.</summary>
    internal void SetStateSource(IDictionary<string, object?>? source)
    {
        _state = null;
        _stateSource = source;
    }

    /// <summary><c>asgi</c>: <c>{"version": "3.0", "spec_version": "2.4"}</c>.</summary>
    public IDictionary<string, object?> Asgi
    {
        get => MutableRare().Asgi ??= new Dictionary<string, object?>(StringComparer.Ordinal) { ["version"] = AsgiVersion, ["spec_version"] = SpecVersion };
        set => MutableRare().Asgi = value;
    }

    /// <summary>The <c>asgi</c> dictionary once one was read or set; null while it is the default (the Python bridge builds that without it).</summary>
    internal IDictionary<string, object?>? AsgiIfMade => _rare?.Asgi;

    /// <summary>The <c>extensions</c> dictionary once one was read or set; null while <see cref="Declared"/> says it all.</summary>
    internal IDictionary<string, object?>? ExtensionsIfMade => _rare?.Extensions;

    /// <summary><c>extensions</c>: the ASGI extensions this server supports for this scope.</summary>
    public IDictionary<string, object?> Extensions
    {
        get => MutableRare().Extensions ??= NewExtensions();
        set => MutableRare().Extensions = value;
    }

    /// <summary>
    /// The extensions a server-made scope declares (per connection: pathsend for http, tls on TLS connections).
    /// Turned into the dictionary only when the application reads <see cref="Extensions"/>, and kept until then in a
    /// side object shared by every scope of the set rather than a field of its own: a request whose application
    /// never looks costs neither an allocation nor 8 more bytes in every scope (bench/Micro).
    /// </summary>
    internal ScopeExtensions? Declared
    {
        get => _rare?.Declared;
        set
        {
            if (_rare is null || _rare.Shared)
            {
                _rare = value is null ? null : SharedRare(value);
            }
            else
            {
                _rare.Declared = value;
            }
        }
    }

    /// <summary>Whether this scope declares <c>http.response.pathsend</c> (a server-made <c>http</c> scope does).</summary>
    internal bool DeclaresPathSend
    {
        get => Declared?.PathSend ?? false;
        set => Declared = value ? (Declared is { PathSend: true } declared ? declared : ScopeExtensions.ForHttp(Declared?.Tls)) : Declared?.ForWebSocket();
    }

    private static Rare SharedRare(ScopeExtensions declared) =>
        declared.SharedSideObject as Rare ?? (Rare)(declared.SharedSideObject = new Rare { Declared = declared, Shared = true });

    /// <summary>The scope's own side object, made on first use (replacing the shared one, whose declarations it keeps).</summary>
    private Rare MutableRare() =>
        _rare is { Shared: false } rare ? rare : (_rare = new Rare { Declared = _rare?.Declared });

    private Dictionary<string, object?> NewExtensions()
    {
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        Declared?.AddTo(extensions);
        return extensions;
    }

    /// <summary>Returns the first request header named <paramref name="name"/> (lower-case ASCII), or null.</summary>
    /// <param name="name">The lower-case header name, e.g. <c>"content-type"u8</c>.</param>
    /// <returns>The value bytes, or null when the header is absent.</returns>
    public ReadOnlyMemory<byte>? GetHeader(ReadOnlySpan<byte> name)
    {
        if (_headers is null && _packedHeaders is { } packed)
        {
            return PackedHeaders.Find(packed, name);
        }

        foreach (var header in Headers)
        {
            if (header.Name.Span.SequenceEqual(name))
            {
                return header.Value;
            }
        }

        return null;
    }

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetKnown(string key, out object? value)
    {
        switch (key)
        {
            case "type": value = Type; return true;
            case "asgi": value = Asgi; return true;
            case "http_version" when Type != "lifespan": value = HttpVersion; return true;
            case "method" when Type == "http": value = Method; return true;
            case "scheme" when Type != "lifespan": value = Scheme; return true;
            case "path" when Type != "lifespan": value = Path; return true;
            case "raw_path" when Type != "lifespan": value = RawPath; return true;
            case "query_string" when Type != "lifespan": value = QueryString; return true;
            case "root_path" when Type != "lifespan": value = RootPath; return true;
            case "headers" when Type != "lifespan": value = Headers; return true;
            case "client" when Type != "lifespan": value = Client; return true;
            case "server" when Type != "lifespan": value = Server; return true;
            case "subprotocols" when Subprotocols is not null: value = Subprotocols; return true;
            case "state" when State is not null: value = State; return true;
            case "extensions": value = Extensions; return true;
            default: value = null; return false;
        }
    }

    private protected override bool TrySetKnown(string key, object? value)
    {
        const string Scope = "scope";
        switch (key)
        {
            case "type": Type = AsgiValues.ToNullableString(value, Scope, key) ?? throw new AsgiProtocolException("scope: key 'type' cannot be null."); return true;
            case "http_version": HttpVersion = AsgiValues.ToNullableString(value, Scope, key) ?? "1.1"; return true;
            case "method": Method = AsgiValues.ToNullableString(value, Scope, key) ?? "GET"; return true;
            case "scheme": Scheme = AsgiValues.ToNullableString(value, Scope, key) ?? "http"; return true;
            case "path": Path = AsgiValues.ToNullableString(value, Scope, key) ?? "/"; return true;
            case "raw_path": RawPath = AsgiValues.ToBytes(value, Scope, key); return true;
            case "query_string": QueryString = AsgiValues.ToBytes(value, Scope, key); return true;
            case "root_path": RootPath = AsgiValues.ToNullableString(value, Scope, key) ?? ""; return true;
            case "headers": Headers = AsgiValues.ToHeaders(value, Scope, key); return true;
            case "client": Client = value as AsgiEndpoint ?? (value is null ? null : throw new AsgiProtocolException("scope: key 'client' must be an AsgiEndpoint or null.")); return true;
            case "server": Server = value as AsgiEndpoint ?? (value is null ? null : throw new AsgiProtocolException("scope: key 'server' must be an AsgiEndpoint or null.")); return true;
            case "subprotocols": Subprotocols = value as IReadOnlyList<string> ?? (value is null ? null : throw new AsgiProtocolException("scope: key 'subprotocols' must be a list of strings.")); return true;
            case "state": State = value as IDictionary<string, object?> ?? (value is null ? null : throw new AsgiProtocolException("scope: key 'state' must be a dictionary.")); return true;
            case "asgi": Asgi = value as IDictionary<string, object?> ?? throw new AsgiProtocolException("scope: key 'asgi' must be a dictionary."); return true;
            case "extensions": Extensions = value as IDictionary<string, object?> ?? throw new AsgiProtocolException("scope: key 'extensions' must be a dictionary."); return true;
            default: return false;
        }
    }

    private sealed class Rare
    {
        public IDictionary<string, object?>? Asgi;
        public IDictionary<string, object?>? Extensions;
        public IReadOnlyList<string>? Subprotocols;
        public ScopeExtensions? Declared;

        /// <summary>Shared by the scopes of one <see cref="ScopeExtensions"/> set: never changed.</summary>
        public bool Shared;
    }
}
