using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace AsgiBridge.Tests.Backends;

/// <summary>
/// One way of serving an ASGI app (docs/contract.md, "Conformance across backends"), as an xunit class fixture: it
/// starts one host for its test class with a small router as the app, and each test routes a path of its own to the
/// app it needs (<see cref="Route"/>). The router also answers the lifespan: it counts startups and stores a marker
/// in the lifespan state. What a backend documents differently from the others (protocol version, scheme, socket
/// endpoints, declared extensions, what a client can see of a refused WebSocket handshake) is a property here, so
/// the contract tests read expectations from the backend instead of testing which backend they run on.
/// </summary>
public abstract class AsgiBackend : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>What the lifespan startup stores in <c>state["marker"]</c>.</summary>
    public const string LifespanMarker = "from-lifespan";

    private readonly ConcurrentDictionary<int, AsgiApp> _routes = new();
    private int _nextRoute;
    private int _startups;
    private HttpClient? _client;
    private int _disposed;

    /// <summary>The scope's <c>http_version</c> for a request (and a WebSocket handshake) from this backend's client.</summary>
    public abstract string HttpVersion { get; }

    /// <summary>The <c>scheme</c> of an <c>http</c> scope: <c>http</c>, or <c>https</c> under TLS.</summary>
    public abstract string Scheme { get; }

    /// <summary>The <c>scheme</c> of a <c>websocket</c> scope: <c>ws</c>, or <c>wss</c> under TLS.</summary>
    public string WebSocketScheme => Scheme == "https" ? "wss" : "ws";

    /// <summary>Whether the scope has <c>client</c> and <c>server</c> addresses (a socket); null without one (docs/testing.md).</summary>
    public abstract bool HasSocketEndpoints { get; }

    /// <summary>Whether the connection is TLS: the <c>tls</c> extension is declared in every scope (docs/contract.md, "tls").</summary>
    public virtual bool Tls => false;

    /// <summary>Whether <c>http.response.early_hint</c> is declared: HTTP/1.1 requests on AsgiBridge's own handler only.</summary>
    public virtual bool EarlyHints => false;

    /// <summary>
    /// Whether <c>http.response.trailers</c> is declared for a request that sends <c>TE: trailers</c>: everywhere but
    /// Kestrel's own HTTP/1.1, which has no response trailers (docs/contract.md, "trailers").
    /// </summary>
    public virtual bool TrailersWithTe => true;

    /// <summary>Whether <c>http.response.trailers</c> is declared for a request without <c>TE: trailers</c>: HTTP/2 only.</summary>
    public bool TrailersWithoutTe => HttpVersion == "2";

    /// <summary>The keys of <c>scope["extensions"]</c> in an <c>http</c> scope (of a request without <c>TE: trailers</c>), sorted.</summary>
    public IReadOnlyList<string> HttpExtensions =>
        Sorted(["http.response.pathsend", .. EarlyHints ? ["http.response.early_hint"] : Array.Empty<string>(), .. TrailersWithoutTe ? ["http.response.trailers"] : Array.Empty<string>(), .. Tls ? ["tls"] : Array.Empty<string>()]);

    /// <summary>The keys of <c>scope["extensions"]</c> in a <c>websocket</c> scope, sorted.</summary>
    public IReadOnlyList<string> WebSocketExtensions => Sorted(["websocket.http.response", .. Tls ? ["tls"] : Array.Empty<string>()]);

    /// <summary>
    /// Whether a client can read the body of an HTTP answer to a WebSocket handshake (a <c>websocket.http.response</c>
    /// denial): a socket client can; the test client's <c>ConnectWebSocketAsync</c> only throws (docs/testing.md).
    /// </summary>
    public virtual bool HandshakeAnswerBodyVisible => true;

    /// <summary>The <c>host</c> header (or HTTP/2 <c>:authority</c>) the client sends.</summary>
    public abstract string Authority { get; }

    /// <summary>The local port the scope's <c>server</c> reports (0 without a socket).</summary>
    public abstract int Port { get; }

    /// <summary>How many times the app's lifespan startup has run.</summary>
    public int Startups => Volatile.Read(ref _startups);

    /// <summary>The client for this backend: its base address, protocol version and certificate trust set up.</summary>
    public HttpClient Client => _client ?? throw new InvalidOperationException("The backend is not started.");

    /// <summary>Serves <paramref name="app"/> under a path of its own; returns that path (<c>/t/N</c>, anything below it is the app's too).</summary>
    public string Route(AsgiApp app)
    {
        var id = Interlocked.Increment(ref _nextRoute);
        _routes[id] = app;
        return $"/t/{id}";
    }

    /// <summary>A request with this backend's protocol version (HttpClient applies its defaults only to requests it makes itself).</summary>
    public HttpRequestMessage NewRequest(HttpMethod method, string target) => new(method, new Uri(target, UriKind.Relative))
    {
        Version = Client.DefaultRequestVersion,
        VersionPolicy = Client.DefaultVersionPolicy,
    };

    /// <summary>Opens a WebSocket session; a handshake answered with anything but success throws <see cref="WebSocketRefusedException"/>.</summary>
    public abstract Task<System.Net.WebSockets.WebSocket> ConnectWebSocketAsync(string path, params string[] subprotocols);

    /// <summary>
    /// Sends a WebSocket handshake (HTTP/1.1 upgrade, or RFC 8441 extended CONNECT) as a plain HTTP request, for an app
    /// that answers it with an HTTP response: the status and body the client gets. Only where
    /// <see cref="HandshakeAnswerBodyVisible"/>.
    /// </summary>
    public virtual Task<(HttpStatusCode Status, string Body)> SendHandshakeForAnswerAsync(string path) =>
        throw new NotSupportedException("This backend's client does not show the answer to a WebSocket handshake.");

    public async Task InitializeAsync()
    {
        _client = await StartAsync(AppAsync);
    }

    public async Task DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _client?.Dispose();
            await StopAsync();
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts the host serving <paramref name="app"/> with its lifespan on; returns the client for it.</summary>
    protected abstract Task<HttpClient> StartAsync(AsgiApp app);

    protected abstract Task StopAsync();

    private async ValueTask AppAsync(AsgiScope scope, AsgiReceive receive, AsgiSend send)
    {
        if (scope.Type == "lifespan")
        {
            while (true)
            {
                var message = await receive();
                if ((string)message["type"]! == "lifespan.startup")
                {
                    Interlocked.Increment(ref _startups);
                    scope.State!["marker"] = LifespanMarker;
                    await send(LifespanEvent.StartupComplete());
                }
                else
                {
                    await send(LifespanEvent.ShutdownComplete());
                    return;
                }
            }
        }

        if (RouteOf(scope.Path) is { } id && _routes.TryGetValue(id, out var app))
        {
            await app(scope, receive, send);
            return;
        }

        if (scope.Type == "websocket")
        {
            await receive();
            await send(WebSocketCloseEvent.Close());
            return;
        }

        await send(new HttpResponseStartEvent(404));
        await send(new HttpResponseBodyEvent("no route"u8.ToArray()));
    }

    private static int? RouteOf(string path)
    {
        if (!path.StartsWith("/t/", StringComparison.Ordinal))
        {
            return null;
        }

        var end = path.IndexOf('/', 3);
        var segment = end < 0 ? path[3..] : path[3..end];
        return int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }

    private static string[] Sorted(string[] keys)
    {
        Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }
}
