namespace AsgiBridge.Http1;

/// <summary>The options as the connection uses them, converted once when the handler is created.</summary>
internal sealed class ConnectionSettings
{
    public ConnectionSettings(AsgiServerOptions options, Hosting.AsgiServerState state)
    {
        State = state;
        Limits = new Http1Limits(options.MaxRequestLineSize, options.MaxRequestHeadersSize, options.MaxRequestHeaderCount, options.MaxRequestBodySize);
        KeepAliveTimeoutMs = (long)options.TimeoutKeepAlive.TotalMilliseconds;
        RequestHeadersTimeoutMs = (long)options.TimeoutRequestHeaders.TotalMilliseconds;
        SendTimeoutMs = (long)options.TimeoutSend.TotalMilliseconds;
        var defaults = Hosting.DefaultResponseHeaders.Parse(options.Headers);
        // uvicorn's default headers: a configured server header replaces the server's own, even when that is off.
        ServerLines = defaults.ServerLines ?? (options.ServerHeader ? "server: asgibridge\r\n"u8.ToArray() : null);
        DefaultHeaderLines = defaults.OtherLines;
        DateHeader = options.DateHeader;
        RootPath = options.RootPath;
        AllowList = Proxy.ForwardedAllowList.Parse(options.ForwardedAllowIps ?? "");
        Forwarding = options.ProxyHeaders ? new Proxy.ForwardingPolicy(AllowList, options.ForwardedHost, options.ForwardedPrefix) : null;
        WsMaxSize = options.WsMaxSize;
        WsPingInterval = options.WsPingInterval;
        WsPingTimeout = options.WsPingTimeout;
        WsPerMessageDeflate = options.WsPerMessageDeflate;
        MinRequestBodyDataRate = options.MinRequestBodyDataRate;
        MinResponseDataRate = options.MinResponseDataRate;
    }

    /// <summary>Asgi:MinRequestBodyDataRate; null when off.</summary>
    public Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate? MinRequestBodyDataRate { get; }

    /// <summary>Asgi:MinResponseDataRate; null when off.</summary>
    public Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate? MinResponseDataRate { get; }

    public int WsMaxSize { get; }

    public TimeSpan WsPingInterval { get; }

    public TimeSpan WsPingTimeout { get; }

    public bool WsPerMessageDeflate { get; }

    /// <summary>What all connections of the host share: lifespan state and request limits.</summary>
    public Hosting.AsgiServerState State { get; }

    public Http1Limits Limits { get; }

    public long KeepAliveTimeoutMs { get; }

    public long RequestHeadersTimeoutMs { get; }

    public long SendTimeoutMs { get; }

    /// <summary>The server header line(s) to write (<c>server: asgibridge</c>, or Asgi:Headers' own); null for none.</summary>
    public byte[]? ServerLines { get; }

    /// <summary>The other lines of Asgi:Headers, encoded once; null when there are none.</summary>
    public byte[]? DefaultHeaderLines { get; }

    public bool DateHeader { get; }

    public string RootPath { get; }

    /// <summary><c>Asgi:ForwardedAllowIps</c>, parsed once (the validator has already rejected bad entries).</summary>
    public Proxy.ForwardedAllowList AllowList { get; }

    /// <summary>What forwarding headers from a trusted peer change; null when <c>Asgi:ProxyHeaders</c> is off.</summary>
    public Proxy.ForwardingPolicy? Forwarding { get; }

    /// <summary>The longest a closing connection keeps reading (and discarding) input so its last response is not lost to a TCP reset.</summary>
    public static TimeSpan LingerTimeout { get; } = TimeSpan.FromSeconds(2);

    /// <summary>A closing connection stops lingering once the client has sent nothing for this long.</summary>
    public static TimeSpan LingerIdle { get; } = TimeSpan.FromMilliseconds(25);

    /// <summary>The most input a closing connection discards before it gives up lingering.</summary>
    public static long LingerMaxBytes { get; } = 1024 * 1024;
}
