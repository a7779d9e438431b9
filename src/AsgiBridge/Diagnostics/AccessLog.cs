using Microsoft.Extensions.Logging;

namespace AsgiBridge.Diagnostics;

/// <summary>
/// The access log, uvicorn's line (<c>CLIENT - "METHOD TARGET HTTP/1.1" STATUS</c>) plus bytes and duration, as
/// structured events of the category <c>AsgiBridge.AccessLog</c>: the named values (<c>client</c>, <c>method</c>,
/// <c>target</c>, <c>http_version</c>, <c>status</c>, <c>bytes_sent</c>, <c>duration_ms</c>) are the event's
/// state, which the JSON console formatter and OpenTelemetry logging keep as fields. The callers check that the
/// category is enabled once per request (docs/observability.md).
/// </summary>
/// <remarks>The parameter names are the field names, snake_case like uvicorn's and the OpenTelemetry attributes.</remarks>
internal static partial class AccessLog
{
    /// <summary>The logger category: <c>Logging:LogLevel:AsgiBridge.AccessLog=Warning</c> silences the access log.</summary>
    public const string Category = "AsgiBridge.AccessLog";

    /// <summary>The <c>method</c> of the WebSocket session lines.</summary>
    public const string WebSocketMethod = "WEBSOCKET";

    /// <summary>What an access line shows for a part of the request that is not known.</summary>
    public const string Unknown = "-";

    [LoggerMessage(1, LogLevel.Information, "{client} - \"{method} {target} HTTP/{http_version}\" {status} {bytes_sent} B {duration_ms} ms", EventName = "Request", SkipEnabledCheck = true)]
    public static partial void Request(ILogger logger, string client, string method, string target, string http_version, int status, long bytes_sent, double duration_ms);

    [LoggerMessage(2, LogLevel.Information, "{client} - \"{method} {target} HTTP/{http_version}\" - {duration_ms} ms (no response: {error_type})", EventName = "RequestWithoutResponse", SkipEnabledCheck = true)]
    public static partial void RequestWithoutResponse(ILogger logger, string client, string method, string target, string http_version, double duration_ms, string error_type);

    [LoggerMessage(3, LogLevel.Information, "{client} - \"{method} {target} HTTP/{http_version}\" {status} {bytes_sent} B (rejected: {error_type})", EventName = "RequestRejected", SkipEnabledCheck = true)]
    public static partial void RequestRejected(ILogger logger, string client, string method, string target, string http_version, int status, long bytes_sent, string error_type);

    [LoggerMessage(4, LogLevel.Information, "{client} - \"{method} {target}\" [accepted]", EventName = "WebSocketAccepted", SkipEnabledCheck = true)]
    public static partial void WebSocketAccepted(ILogger logger, string client, string method, string target);

    [LoggerMessage(5, LogLevel.Information, "{client} - \"{method} {target}\" [closed {close_code}] {duration_ms} ms", EventName = "WebSocketClosed", SkipEnabledCheck = true)]
    public static partial void WebSocketClosed(ILogger logger, string client, string method, string target, int close_code, double duration_ms);

    /// <summary><c>ip:port</c> (<c>[ip]:port</c> for IPv6), the address alone without a port, <c>-</c> when unknown (a unix socket).</summary>
    public static string Client(AsgiEndpoint? client)
    {
        if (client is null)
        {
            return Unknown;
        }

        var host = LogText.Escape(System.Text.Encoding.UTF8.GetBytes(client.Host));
        if (client.Port is not { } port)
        {
            return host;
        }

        return host.Contains(':', StringComparison.Ordinal)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{host}]:{port}")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{host}:{port}");
    }

    /// <summary>Milliseconds between two <see cref="System.Diagnostics.Stopwatch"/> timestamps, to the microsecond.</summary>
    public static double Milliseconds(long start, long end) =>
        Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(start, end).TotalMilliseconds, 3);
}
