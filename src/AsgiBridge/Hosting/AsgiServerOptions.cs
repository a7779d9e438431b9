using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AsgiBridge;

/// <summary>
/// Settings of the AsgiBridge protocol layer, bound from the configuration section <c>Asgi</c>
/// (appsettings.json, environment variables <c>Asgi__Name</c>, command line <c>--Asgi:Name=value</c>) and
/// validated when the host starts. Names follow uvicorn's settings where uvicorn has one.
/// Durations are written in seconds (<c>5</c>, <c>0.5</c>) or as <c>hh:mm:ss</c>.
/// </summary>
public sealed class AsgiServerOptions
{
    /// <summary>The configuration section the options are bound from: <c>Asgi</c>.</summary>
    public const string SectionName = "Asgi";

    /// <summary>
    /// How long an idle keep-alive connection (or a new connection that has sent nothing) is kept open waiting
    /// for the next request. Defaults to 5 seconds (uvicorn's <c>--timeout-keep-alive</c>).
    /// </summary>
    public TimeSpan TimeoutKeepAlive { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a client has, from the first byte of a request, to send the whole header block; also the longest
    /// a request body may stall. Defaults to 30 seconds. The clock is not reset by each byte received.
    /// </summary>
    public TimeSpan TimeoutRequestHeaders { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest one write of an HTTP response or a WebSocket message may wait for the client to read (a flush that cannot complete);
    /// past it the connection is aborted and the application's <c>send</c> raises
    /// <see cref="ClientDisconnectedException"/>. Defaults to 60 seconds. Kestrel's MinResponseDataRate plays this
    /// role for its own responses; without it a client that stops reading holds a response forever.
    /// </summary>
    public TimeSpan TimeoutSend { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The slowest a request body may arrive while the application waits for it in <c>receive</c> (time the
    /// application spends busy does not count): past the grace period, a body below this rate gets 408, the
    /// connection is closed and the application sees <c>http.disconnect</c>. Kestrel's setting of the same name
    /// and default: 240 bytes/second after a 5-second grace period. Null turns it off.
    /// </summary>
    public MinDataRate? MinRequestBodyDataRate { get; set; } = new(240, TimeSpan.FromSeconds(5));

    /// <summary>
    /// The slowest a client may read a response or WebSocket messages: every byte sent earns time at this rate,
    /// and a write still waiting for the client past the time earned (at least the grace period) aborts the
    /// connection; the application's <c>send</c> raises <see cref="ClientDisconnectedException"/>.
    /// <see cref="TimeoutSend"/> stays the absolute bound. Kestrel's setting of the same name and default:
    /// 240 bytes/second after a 5-second grace period. Null turns it off.
    /// </summary>
    public MinDataRate? MinResponseDataRate { get; set; } = new(240, TimeSpan.FromSeconds(5));

    /// <summary>The longest request line accepted, in bytes, CRLF excluded; longer gets 414. Defaults to 8192.</summary>
    public int MaxRequestLineSize { get; set; } = 8 * 1024;

    /// <summary>The largest header block accepted, in bytes; larger gets 431. Defaults to 32768.</summary>
    public int MaxRequestHeadersSize { get; set; } = 32 * 1024;

    /// <summary>The most header fields accepted; more gets 431. Defaults to 100.</summary>
    public int MaxRequestHeaderCount { get; set; } = 100;

    /// <summary>
    /// The largest request body accepted, in bytes; larger gets 413. Null means no limit.
    /// Defaults to 30,000,000 (Kestrel's default).
    /// </summary>
    public long? MaxRequestBodySize { get; set; } = 30_000_000;

    /// <summary>Whether responses get a <c>server: asgibridge</c> header. Defaults to true.</summary>
    public bool ServerHeader { get; set; } = true;

    /// <summary>Whether responses get a <c>date</c> header. Defaults to true.</summary>
    public bool DateHeader { get; set; } = true;

    /// <summary>
    /// Headers added to every response the server writes, each <c>NAME:VALUE</c> (uvicorn's <c>--header</c>, its
    /// "custom default HTTP response headers"). As under uvicorn, the name is written in lower case, the
    /// application's own headers do not replace them (both are sent), and a <c>server</c> entry takes the place of the
    /// <c>server: asgibridge</c> header, whatever <see cref="ServerHeader"/> says. The name must be a token and the
    /// value visible ASCII (spaces and tabs allowed, surrounding ones dropped); <c>date</c> and the framing and
    /// connection headers (<c>content-length</c>, <c>transfer-encoding</c>, <c>connection</c>, ...) are the server's.
    /// Checked when the host starts. Defaults to none.
    /// </summary>
    public IList<string> Headers { get; set; } = [];

    /// <summary>The largest WebSocket message accepted, in bytes; a larger one closes the connection with 1009. Defaults to 16 MiB.</summary>
    public int WsMaxSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>How often the server pings an open WebSocket. Zero disables pings. Defaults to 20 seconds.</summary>
    public TimeSpan WsPingInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a ping may go unanswered before the connection is closed. Zero waits forever. Defaults to 20 seconds.</summary>
    public TimeSpan WsPingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Whether permessage-deflate (RFC 7692) is negotiated when a client offers it. Defaults to true.</summary>
    public bool WsPerMessageDeflate { get; set; } = true;

    /// <summary>
    /// Whether the application's lifespan scope runs at start and stop: <see cref="AsgiLifespanMode.Auto"/>
    /// (default), <see cref="AsgiLifespanMode.On"/> or <see cref="AsgiLifespanMode.Off"/>.
    /// </summary>
    public AsgiLifespanMode Lifespan { get; set; } = AsgiLifespanMode.Auto;

    /// <summary>How long lifespan startup (and, separately, shutdown) may take. Defaults to 60 seconds.</summary>
    public TimeSpan TimeoutLifespan { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The most requests and WebSocket sessions in flight at once; beyond it new requests get 503 with
    /// Connection: close. Null (default) means no limit.
    /// </summary>
    public int? LimitConcurrency { get; set; }

    /// <summary>
    /// The most connections open at once (WebSockets included); a connection beyond it is closed at once, before
    /// anything is read from it. <see cref="LimitConnectionsFromDescriptorLimit"/> (the default) derives it at
    /// start-up from the process's file-descriptor limit, keeping a tenth of it (at least 64) for files, logs and
    /// listeners, so the process never runs out of descriptors; null means no limit.
    /// </summary>
    public int? LimitConnections { get; set; } = LimitConnectionsFromDescriptorLimit;

    /// <summary>The value of <see cref="LimitConnections"/> that derives the limit from the descriptor limit (<c>auto</c> in configuration).</summary>
    public const int LimitConnectionsFromDescriptorLimit = 0;

    /// <summary>
    /// After this many requests and WebSocket sessions the host shuts down gracefully (for a supervisor to
    /// restart it); later requests get 503. Null (default) means no limit.
    /// </summary>
    public int? LimitMaxRequests { get; set; }

    /// <summary>
    /// The listen backlog of every endpoint AsgiBridge's socket transport binds: how many connections the kernel
    /// queues for accepting (uvicorn's <c>--backlog</c>; Linux caps it at <c>net.core.somaxconn</c>). Null (default)
    /// keeps Kestrel's <c>SocketTransportOptions.Backlog</c> (512).
    /// </summary>
    public int? Backlog { get; set; }

    /// <summary>A random 0..N added to <see cref="LimitMaxRequests"/> so a fleet does not restart at once. Defaults to 0.</summary>
    public int LimitMaxRequestsJitter { get; set; }

    /// <summary>The <c>root_path</c> given to the application, for apps mounted below a path. Defaults to empty.</summary>
    public string RootPath { get; set; } = "";

    /// <summary>
    /// Whether every request is logged after its response (uvicorn's access log: <c>CLIENT - "METHOD TARGET HTTP/1.1"
    /// STATUS</c>, bytes and duration) at Information in the category <c>AsgiBridge.AccessLog</c>, with the values as
    /// structured fields; WebSocket sessions at accept and close. Defaults to true. The category's log level filters
    /// it too (<c>Logging:LogLevel:AsgiBridge.AccessLog=Warning</c>).
    /// </summary>
    public bool AccessLog { get; set; } = true;

    /// <summary>
    /// Whether forwarding headers (<c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c>, RFC 7239 <c>Forwarded</c>) from
    /// a trusted peer (<see cref="ForwardedAllowIps"/>) set the scope's <c>client</c> and <c>scheme</c>. Defaults to
    /// true (uvicorn's <c>--proxy-headers</c>). Headers from other peers change nothing.
    /// </summary>
    public bool ProxyHeaders { get; set; } = true;

    /// <summary>
    /// The peers trusted to forward: comma-separated IP addresses, CIDR ranges (<c>10.0.0.0/8</c>), <c>*</c> (every
    /// peer) and <c>unix</c> (unix-socket peers). Used for forwarding headers and the PROXY protocol. Defaults to
    /// <c>127.0.0.1,::1</c> (uvicorn's <c>--forwarded-allow-ips</c>).
    /// </summary>
    public string ForwardedAllowIps { get; set; } = Proxy.ForwardedAllowList.Default;

    /// <summary>Whether a trusted peer's <c>X-Forwarded-Host</c> (or <c>Forwarded: host=</c>) replaces the <c>host</c> header the app sees. Defaults to false.</summary>
    public bool ForwardedHost { get; set; }

    /// <summary>Whether a trusted peer's <c>X-Forwarded-Prefix</c> is prepended to <c>root_path</c>. Defaults to false.</summary>
    public bool ForwardedPrefix { get; set; }

    /// <summary>
    /// Whether connections start with a PROXY protocol header (HAProxy; AWS NLB, Envoy): <see cref="AsgiProxyProtocol.Off"/>
    /// (default), <see cref="AsgiProxyProtocol.V1"/>, <see cref="AsgiProxyProtocol.V2"/> or <see cref="AsgiProxyProtocol.Auto"/>.
    /// Applies to every endpoint AsgiBridge serves unless the endpoint sets its own.
    /// </summary>
    public AsgiProxyProtocol ProxyProtocol { get; set; } = AsgiProxyProtocol.Off;

    /// <summary>
    /// The HTTP versions AsgiBridge's endpoints accept: <c>Http1AndHttp2</c> (default), <c>Http1</c> or <c>Http2</c>.
    /// HTTP/1.1 is served by AsgiBridge's own handler, HTTP/2 by Kestrel's HTTP/2 stack and the ASP.NET Core request
    /// pipeline. With <c>Http1AndHttp2</c> a TLS endpoint offers <c>h2</c> and <c>http/1.1</c> by ALPN and hands each
    /// connection to the stack it negotiated (no ALPN: HTTP/1.1); cleartext endpoints stay HTTP/1.1. With <c>Http2</c>
    /// every connection goes to Kestrel: HTTP/2 over TLS, or with prior knowledge (h2c) on cleartext
    /// (docs/http2.md).
    /// </summary>
    public HttpProtocols Protocols { get; set; } = HttpProtocols.Http1AndHttp2;
}
