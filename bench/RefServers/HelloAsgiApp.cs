namespace AsgiBridge.Bench.RefServers;

/// <summary>
/// The ASGI hello app of the <c>aspnetcore</c> mode, served by <c>app.MapAsgi</c>: the same response as the
/// mode's <c>MapGet</c> endpoint (200, <see cref="ContentType"/>, "Hello, World!"), written the way the host's
/// built-in <c>hello</c> app writes it (two fixed events reused by every request, no allocation in the app). The
/// HttpContext backend sets the Content-Length of a body sent in one piece, as the <c>MapGet</c> result does.
/// </summary>
internal static class HelloAsgiApp
{
    /// <summary>The content type of both endpoints: what <c>TypedResults.Text</c> writes by default.</summary>
    public const string ContentType = "text/plain; charset=utf-8";

    private static readonly byte[] s_body = "Hello, World!"u8.ToArray();
    private static readonly HttpResponseStartEvent s_start = new(200, [new AsgiHeader("content-type", ContentType)]);
    private static readonly HttpResponseBodyEvent s_bodyEvent = new(s_body);

    /// <summary>The app: hello for every HTTP request, a no-op lifespan.</summary>
    public static readonly AsgiApp App = static (scope, receive, send) => scope.Type switch
    {
        "http" => RespondAsync(send),
        "lifespan" => LifespanAsync(receive, send),
        _ => default,
    };

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

    private static async ValueTask LifespanAsync(AsgiReceive receive, AsgiSend send)
    {
        while (true)
        {
            switch ((await receive().ConfigureAwait(false))["type"])
            {
                case "lifespan.startup":
                    await send(LifespanEvent.StartupComplete()).ConfigureAwait(false);
                    break;
                case "lifespan.shutdown":
                    await send(LifespanEvent.ShutdownComplete()).ConfigureAwait(false);
                    return;
            }
        }
    }
}
