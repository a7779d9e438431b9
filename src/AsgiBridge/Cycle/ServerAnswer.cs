namespace AsgiBridge.Cycle;

/// <summary>
/// A short plain-text answer the server writes itself, always with <c>connection: close</c>: a rejected request or a
/// limit (<see cref="Text"/>: the reason as one line), or an answer in the application's place that uvicorn also
/// writes, which is then uvicorn's byte for byte (<see cref="InternalServerError"/>, <see cref="ServiceUnavailable"/>,
/// <see cref="WebSocketRefused"/>), so an app served by either server fails the same way.
/// </summary>
internal readonly record struct ServerAnswer(int Status, string ContentType, string Body)
{
    private const string PlainText = "text/plain; charset=utf-8";

    /// <summary>The application raised or returned before any of its response was written (uvicorn's page, no newline).</summary>
    public static ServerAnswer InternalServerError => new(500, PlainText, "Internal Server Error");

    /// <summary>Asgi:LimitConcurrency or Asgi:LimitMaxRequests refused the request (uvicorn's page for --limit-concurrency).</summary>
    public static ServerAnswer ServiceUnavailable => new(503, PlainText, "Service Unavailable");

    /// <summary>
    /// <c>websocket.close</c> before <c>websocket.accept</c> (ASGI: HTTP 403): an empty answer, as uvicorn's (the
    /// websockets library's defaults for an empty body: <c>content-type: text/plain</c>, <c>content-length: 0</c>).
    /// </summary>
    public static ServerAnswer WebSocketRefused => new(403, "text/plain", "");

    /// <summary>A malformed request, as uvicorn answers every one its parser rejects (a host serving a Python app).</summary>
    public static ServerAnswer InvalidHttpRequest => new(400, PlainText, "Invalid HTTP request received.");

    /// <summary>A rejection or a limit of the server's own: the reason as one line of text.</summary>
    public static ServerAnswer Text(int status, string message) => new(status, PlainText, message + "\n");
}
