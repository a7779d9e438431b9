namespace AsgiBridge.Host.Apps;

/// <summary>
/// <c>hello</c>: every request gets 200, text/plain, <c>Hello, World!</c> (the canonical ASGI hello world); every
/// WebSocket is echoed, so one host serves both HTTP and WebSocket benchmarks.
/// </summary>
public static class HelloApp
{
    private static readonly byte[] s_body = "Hello, World!"u8.ToArray();
    private static readonly AsgiHeader[] s_headers = [new("content-type", "text/plain")];

    /// <summary>The app.</summary>
    public static readonly AsgiApp App = static async (scope, receive, send) =>
    {
        if (scope.Type == "websocket")
        {
            await WebSocketEcho.RunAsync(scope, receive, send).ConfigureAwait(false);
            return;
        }

        if (scope.Type != "http")
        {
            return;
        }

        await send(new HttpResponseStartEvent(200, s_headers)).ConfigureAwait(false);
        await send(new HttpResponseBodyEvent(s_body)).ConfigureAwait(false);
    };
}
