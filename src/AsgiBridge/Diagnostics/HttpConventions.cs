namespace AsgiBridge.Diagnostics;

/// <summary>
/// Attribute names and values of the OpenTelemetry semantic conventions for HTTP servers ("Semantic conventions for
/// HTTP spans" and "for HTTP metrics"), shared by the metrics and the server span.
/// </summary>
internal static class HttpConventions
{
    public const string HttpRequestMethod = "http.request.method";
    public const string HttpRequestMethodOriginal = "http.request.method_original";
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string UrlScheme = "url.scheme";
    public const string UrlPath = "url.path";
    public const string UrlQuery = "url.query";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ClientAddress = "client.address";
    public const string ClientPort = "client.port";
    public const string NetworkProtocolVersion = "network.protocol.version";
    public const string UserAgentOriginal = "user_agent.original";
    public const string ErrorType = "error.type";

    /// <summary>The method as the conventions record it: one of the RFC 9110 / RFC 5789 methods, else <c>_OTHER</c> (bounded cardinality).</summary>
    public static string NormalizeMethod(string method) => method switch
    {
        "GET" or "HEAD" or "POST" or "PUT" or "DELETE" or "OPTIONS" or "PATCH" or "TRACE" or "CONNECT" => method,
        _ => OtherMethod,
    };

    public const string OtherMethod = "_OTHER";

    /// <summary>The server span's name: <c>{method}</c> (there is no route), or <c>HTTP</c> for an unknown method.</summary>
    public static string SpanName(string normalizedMethod) => ReferenceEquals(normalizedMethod, OtherMethod) ? "HTTP" : normalizedMethod;

    /// <summary><c>url.scheme</c>: the scheme of the request's URI, so a WebSocket upgrade counts as <c>http</c> / <c>https</c>.</summary>
    public static string UrlSchemeOf(string scopeScheme) => scopeScheme switch
    {
        "ws" => "http",
        "wss" => "https",
        _ => scopeScheme,
    };

    private static readonly object?[] s_boxedStatus = new object?[1000];

    /// <summary>The status code boxed once per code, so tags cost no allocation per request.</summary>
    public static object BoxedStatus(int status) =>
        (uint)status < (uint)s_boxedStatus.Length ? s_boxedStatus[status] ??= status : status;

    private static readonly string?[] s_statusText = new string?[1000];

    /// <summary>The status code as text (the conventions' <c>error.type</c> for a 5xx without an exception).</summary>
    public static string StatusText(int status) =>
        (uint)status < (uint)s_statusText.Length
            ? s_statusText[status] ??= status.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
