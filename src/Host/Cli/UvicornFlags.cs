namespace AsgiBridge.Host.Cli;

/// <summary>
/// uvicorn's command-line flags and the configuration keys they stand for (docs/configuration.md, "Command line"):
/// the one table the translation and the usage text are both made from.
/// </summary>
internal static class UvicornFlags
{
    /// <summary><c>--log-level</c>'s values (uvicorn's names) and the .NET log levels they mean.</summary>
    private static readonly Dictionary<string, string> s_logLevels = new(StringComparer.Ordinal)
    {
        ["critical"] = "Critical",
        ["error"] = "Error",
        ["warning"] = "Warning",
        ["info"] = "Information",
        ["debug"] = "Debug",
        ["trace"] = "Trace",
    };

    private static readonly Dictionary<string, string> s_lifespanModes = new(StringComparer.Ordinal)
    {
        ["auto"] = "auto",
        ["on"] = "on",
        ["off"] = "off",
    };

    /// <summary>
    /// uvicorn's BOOLEAN values (click's: case-insensitive <c>true</c>/<c>false</c>, <c>1</c>/<c>0</c>, <c>yes</c>/<c>no</c>,
    /// <c>y</c>/<c>n</c>, <c>t</c>/<c>f</c>, <c>on</c>/<c>off</c>) and the configuration value each one means.
    /// </summary>
    internal static readonly Dictionary<string, string> Booleans = new(StringComparer.OrdinalIgnoreCase)
    {
        ["true"] = "true",
        ["false"] = "false",
        ["1"] = "true",
        ["0"] = "false",
        ["yes"] = "true",
        ["no"] = "false",
        ["y"] = "true",
        ["n"] = "false",
        ["t"] = "true",
        ["f"] = "false",
        ["on"] = "true",
        ["off"] = "false",
    };

    /// <summary>
    /// <c>--env-file</c>: the file of environment variables the host reads before anything else (Startup/EnvFile.cs).
    /// Not a setting anything binds: the file has to be read before the configuration is.
    /// </summary>
    public const string EnvFileKey = "envFile";

    /// <summary>Every flag, in the order the usage text lists them.</summary>
    public static readonly UvicornFlag[] All =
    [
        new("host", FlagKind.Address, "urls", "HOST"),
        new("port", FlagKind.Address, "urls", "PORT"),
        new("uds", FlagKind.Address, "urls", "PATH"),
        new("root-path", FlagKind.Value, "Asgi:RootPath", "PATH"),
        new("proxy-headers", FlagKind.On, "Asgi:ProxyHeaders"),
        new("no-proxy-headers", FlagKind.Off, "Asgi:ProxyHeaders"),
        new("forwarded-allow-ips", FlagKind.Value, "Asgi:ForwardedAllowIps", "IPS"),
        new("log-level", FlagKind.Choice, "Logging:LogLevel:Default", "LEVEL", s_logLevels),
        new("access-log", FlagKind.On, "Asgi:AccessLog"),
        new("no-access-log", FlagKind.Off, "Asgi:AccessLog"),
        new("server-header", FlagKind.On, "Asgi:ServerHeader"),
        new("no-server-header", FlagKind.Off, "Asgi:ServerHeader"),
        new("date-header", FlagKind.On, "Asgi:DateHeader"),
        new("no-date-header", FlagKind.Off, "Asgi:DateHeader"),
        new("limit-concurrency", FlagKind.Value, "Asgi:LimitConcurrency", "N"),
        new("limit-max-requests", FlagKind.Value, "Asgi:LimitMaxRequests", "N"),
        new("backlog", FlagKind.Value, "Asgi:Backlog", "N"),
        new("header", FlagKind.Repeated, "Asgi:Headers", "NAME:VALUE"),
        new("timeout-keep-alive", FlagKind.Value, "Asgi:TimeoutKeepAlive", "SECONDS"),
        new("timeout-graceful-shutdown", FlagKind.Value, "shutdownTimeoutSeconds", "SECONDS"),
        new("ws-max-size", FlagKind.Value, "Asgi:WsMaxSize", "BYTES"),
        new("ws-ping-interval", FlagKind.Value, "Asgi:WsPingInterval", "SECONDS"),
        new("ws-ping-timeout", FlagKind.Value, "Asgi:WsPingTimeout", "SECONDS"),
        new("ws-per-message-deflate", FlagKind.Choice, "Asgi:WsPerMessageDeflate", "BOOL", Booleans),
        new("lifespan", FlagKind.Choice, "Asgi:Lifespan", "MODE", s_lifespanModes),
        new("env-file", FlagKind.Value, EnvFileKey, "PATH"),
    ];

    /// <summary>
    /// uvicorn's flags the host refuses, each with the one-line reason the usage error gives (rather than "unknown
    /// option", which would leave a uvicorn user guessing). The value of <see cref="AcceptedDefaults"/> is accepted.
    /// </summary>
    /// <summary>
    /// uvicorn's default values of refused flags, which ask for nothing the host does not do anyway: one process
    /// (<c>--workers 1</c>) and "the best implementation available" (<c>--http auto</c>, <c>--ws auto</c>), so a command
    /// line copied from uvicorn with its defaults spelled out still starts.
    /// </summary>
    public static readonly Dictionary<string, string> AcceptedDefaults = new(StringComparer.Ordinal)
    {
        ["workers"] = "1",
        ["http"] = "auto",
        ["ws"] = "auto",
    };

    public static readonly Dictionary<string, string> Refused = new(StringComparer.Ordinal)
    {
        ["workers"] = "one process serves every connection on all cores: run several instances behind a proxy for more (docs/deploy.md, \"Several instances\"); only --workers 1 is accepted",
        ["http"] = "the HTTP/1.1 protocol is AsgiBridge's own (HTTP/2 is Kestrel's: --urls https://...; docs/http2.md); only --http auto is accepted",
        ["ws"] = "the WebSocket protocol is AsgiBridge's own; the --ws-* flags tune it; only --ws auto is accepted",
        ["fd"] = "listening on an inherited descriptor is not supported: give --host/--port, --uds or --urls",
        ["log-config"] = "logging is .NET's: use the Logging settings (--log-level, --Logging:LogLevel:Default=Warning, appsettings.json; docs/observability.md)",
        ["use-colors"] = "the console log has no colours to turn on or off (--Logging:Console:FormatterName=json or systemd changes its format)",
        ["no-use-colors"] = "the console log has no colours to turn on or off (--Logging:Console:FormatterName=json or systemd changes its format)",
        ["ssl-keyfile"] = SslReason,
        ["ssl-certfile"] = SslReason,
        ["ssl-keyfile-password"] = SslReason,
        ["ssl-version"] = SslReason,
        ["ssl-cert-reqs"] = SslReason,
        ["ssl-ca-certs"] = SslReason,
        ["ssl-ciphers"] = SslReason,
    };

    private const string SslReason = "TLS is Kestrel's: serve --urls https://HOST:PORT with the certificate in Kestrel's settings (--Kestrel:Certificates:Default:Path=cert.pem --Kestrel:Certificates:Default:KeyPath=key.pem; docs/configuration.md)";

    private static readonly Dictionary<string, UvicornFlag> s_byName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>Looks a flag up by its name without dashes; uvicorn's names are lower case and so is the match.</summary>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UvicornFlag? flag) =>
        s_byName.TryGetValue(name, out flag);
}
