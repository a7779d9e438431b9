using Microsoft.Extensions.Logging;

namespace AsgiBridge.Diagnostics;

/// <summary>Every log message of the protocol layer, source-generated so disabled levels cost nothing.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Error, "Exception in ASGI application while handling \"{Method} {Path}\" (before the response started; answered 500).")]
    public static partial void AppFailedBeforeResponse(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(2, LogLevel.Error, "Exception in ASGI application while handling \"{Method} {Path}\" after the response started; the connection was closed.")]
    public static partial void AppFailedAfterResponse(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "ASGI application returned without sending a response (http.response.start and a body) for \"{Method} {Path}\"; answered 500.")]
    public static partial void AppReturnedWithoutResponse(ILogger logger, string method, string path);

    [LoggerMessage(4, LogLevel.Error, "ASGI application returned before completing the response for \"{Method} {Path}\"; the connection was closed.")]
    public static partial void AppReturnedIncompleteResponse(ILogger logger, string method, string path);

    [LoggerMessage(5, LogLevel.Debug, "Connection {ConnectionId}: bad request, answered {Status}: {Reason}.")]
    public static partial void BadRequest(ILogger logger, string connectionId, int status, string reason);

    [LoggerMessage(6, LogLevel.Debug, "Connection {ConnectionId}: the connection ended unexpectedly.")]
    public static partial void ConnectionError(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Response for \"{Method} {Path}\" declared content-length {Declared} but the application sent {Sent} bytes; the connection was closed.")]
    public static partial void ContentLengthShort(ILogger logger, string method, string path, long declared, long sent);


    [LoggerMessage(9, LogLevel.Error, "ASGI application returned without answering the WebSocket handshake for \"{Path}\"; answered 500.")]
    public static partial void WebSocketReturnedWithoutHandshake(ILogger logger, string path);

    [LoggerMessage(10, LogLevel.Error, "Exception in ASGI application in the WebSocket session for \"{Path}\"; closed with 1011.")]
    public static partial void WebSocketAppFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(11, LogLevel.Information, "ASGI lifespan startup complete.")]
    public static partial void LifespanStartupComplete(ILogger logger);

    [LoggerMessage(12, LogLevel.Error, "ASGI lifespan startup failed: {Message}")]
    public static partial void LifespanStartupFailed(ILogger logger, string message);

    [LoggerMessage(13, LogLevel.Information, "ASGI 'lifespan' protocol appears unsupported ({Reason}); serving without it.")]
    public static partial void LifespanUnsupported(ILogger logger, string reason);

    [LoggerMessage(14, LogLevel.Error, "ASGI lifespan startup failed: the application does not support lifespan and Asgi:Lifespan is 'on'.")]
    public static partial void LifespanUnsupportedError(ILogger logger, Exception? exception);

    [LoggerMessage(15, LogLevel.Error, "ASGI lifespan startup did not complete within {Timeout}.")]
    public static partial void LifespanStartupTimeout(ILogger logger, TimeSpan timeout);

    [LoggerMessage(16, LogLevel.Information, "ASGI lifespan shutdown complete.")]
    public static partial void LifespanShutdownComplete(ILogger logger);

    [LoggerMessage(17, LogLevel.Error, "ASGI lifespan shutdown failed: {Message}")]
    public static partial void LifespanShutdownFailed(ILogger logger, string message);

    [LoggerMessage(18, LogLevel.Information, "Reached Asgi:LimitMaxRequests ({Count} requests): shutting down gracefully.")]
    public static partial void MaxRequestsReached(ILogger logger, long count);

    [LoggerMessage(19, LogLevel.Warning, "Refused a request with 503: {Reason}.")]
    public static partial void RequestRefused(ILogger logger, string reason);

    [LoggerMessage(20, LogLevel.Information, "Connection {ConnectionId}: the client read nothing of the response for {Seconds} s (Asgi:TimeoutSend); the connection was aborted.")]
    public static partial void SendTimedOut(ILogger logger, string connectionId, double seconds);

    [LoggerMessage(21, LogLevel.Information, "Connection {ConnectionId}: the client read the response below Asgi:MinResponseDataRate ({BytesPerSecond} bytes/s); the connection was aborted.")]
    public static partial void SendTooSlow(ILogger logger, string connectionId, double bytesPerSecond);

    [LoggerMessage(22, LogLevel.Warning, "Listener {EndPoint} could not accept {Count} time(s) since the last warning: out of file descriptors or kernel memory (pending connections were shed or delayed). Raise the descriptor limit (ulimit -n) or lower Asgi:LimitConnections.")]
    public static partial void AcceptExhausted(ILogger logger, string endPoint, long count);

    [LoggerMessage(23, LogLevel.Warning, "Asgi:LimitConnections ({Limit}) reached: {Count} connection(s) closed at once since the last warning.")]
    public static partial void ConnectionLimitReached(ILogger logger, int limit, long count);

    [LoggerMessage(24, LogLevel.Information, "Asgi:LimitConnections is {Limit}: derived from the descriptor limit {DescriptorLimit} (ulimit -n), {InUse} already open, a tenth (at least 64) kept spare.")]
    public static partial void ConnectionLimitDerived(ILogger logger, int limit, long descriptorLimit, int inUse);

    [LoggerMessage(25, LogLevel.Warning, "Asgi:LimitConnections could not be derived (no descriptor limit is readable on this system); connections are not limited.")]
    public static partial void ConnectionLimitUnknown(ILogger logger);

    [LoggerMessage(40, LogLevel.Debug, "Connection {ConnectionId} from {Peer}: PROXY protocol header rejected ({Reason}); closed without a response.")]
    public static partial void ProxyProtocolRejected(ILogger logger, string connectionId, System.Net.EndPoint? peer, string reason);

    [LoggerMessage(26, LogLevel.Information, "Connection {ConnectionId}: a WebSocket message arrived below Asgi:MinRequestBodyDataRate ({BytesPerSecond} bytes/s); the connection was aborted.")]
    public static partial void WebSocketMessageTooSlow(ILogger logger, string connectionId, double bytesPerSecond);

    [LoggerMessage(27, LogLevel.Warning, "Out of file descriptors: Asgi:LimitConnections lowered to {Limit} for the rest of the process (the connections open when it happened, minus a reserve for the runtime).")]
    public static partial void ConnectionLimitLowered(ILogger logger, int limit);

    [LoggerMessage(28, LogLevel.Warning, "The whole server is the ASGI application (IWebHostBuilder.UseAsgi): the {Count} endpoint(s) the ASP.NET Core application maps ({Endpoints}) will never be reached. To serve the ASGI application beside them, register it with builder.Services.AddAsgi() and app.MapAsgi(\"/prefix\", asgiApp) instead (docs/aspnetcore.md).")]
    public static partial void EndpointsUnreachable(ILogger logger, int count, string endpoints);
}
