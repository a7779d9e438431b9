namespace AsgiBridge.Host.Apps;

/// <summary>
/// <c>hello</c>: every request gets 200, text/plain, <c>Hello, World!</c> (the canonical ASGI hello world); every
/// WebSocket is echoed, so one host serves both HTTP and WebSocket benchmarks.
/// </summary>
public static class HelloApp
{
    private static readonly byte[] s_body = "Hello, World!"u8.ToArray();
    private static readonly AsgiHeader[] s_headers = [new("content-type", "text/plain")];

    // The server never keeps or changes an event it is sent, so a fixed response can reuse the same two events:
    // the hello path then allocates nothing in the application.
    private static readonly HttpResponseStartEvent s_start = new(200, s_headers);
    private static readonly HttpResponseBodyEvent s_bodyEvent = new(s_body);

    /// <summary>The app.</summary>
    public static readonly AsgiApp App = static async (scope, receive, send) =>
    {
        if (scope.Type == "websocket")
        {
            await WebSocketEcho.RunAsync(scope, receive, send).ConfigureAwait(false);
            return;
        }

        if (scope.Type == "lifespan")
        {
            await LifespanNoop.RunAsync(receive, send).ConfigureAwait(false);
            return;
        }

        if (scope.Type != "http")
        {
            return;
        }

        await send(s_start).ConfigureAwait(false);
        await send(s_bodyEvent).ConfigureAwait(false);
    };
}
