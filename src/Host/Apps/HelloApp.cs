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
    public static readonly AsgiApp App = static (scope, receive, send) => scope.Type switch
    {
        "http" => RespondAsync(send),
        "websocket" => WebSocketEcho.RunAsync(scope, receive, send),
        "lifespan" => LifespanNoop.RunAsync(receive, send),
        _ => default,
    };

    // Not an async method: when both sends complete at once (the usual case) no state machine runs at all.
    private static ValueTask RespondAsync(AsgiSend send)
    {
        var start = send(s_start);
        if (!start.IsCompletedSuccessfully)
        {
            return RespondSlowAsync(start, send);
        }

        start.GetAwaiter().GetResult();
        return send(s_bodyEvent);
    }

    private static async ValueTask RespondSlowAsync(ValueTask start, AsgiSend send)
    {
        await start.ConfigureAwait(false);
        await send(s_bodyEvent).ConfigureAwait(false);
    }
}
