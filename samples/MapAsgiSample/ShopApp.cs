using System.Text.Json;
using AsgiBridge;

namespace MapAsgiSample;

/// <summary>
/// A small ASGI app as a Starlette app would be written: its lifespan stores a value every request sees, <c>/items</c>
/// answers JSON, <c>/ws</c> echoes a WebSocket, anything else is 404.
/// </summary>
public static class ShopApp
{
    private static readonly AsgiHeader[] s_json = [new("content-type", "application/json")];

    /// <summary>The app.</summary>
    public static readonly AsgiApp App = async (scope, receive, send) =>
    {
        switch (scope.Type)
        {
            case "lifespan":
                await LifespanAsync(scope, receive, send);
                return;
            case "websocket":
                await EchoAsync(receive, send);
                return;
        }

        // ASGI: path includes root_path; the app routes on what is below it.
        var local = scope.Path[scope.RootPath.Length..];
        if (local == "/items")
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                items = new[] { "apple", "pear" },
                root_path = scope.RootPath,
                path = scope.Path,
                opened = scope.State?["opened"],
            });
            await send(new HttpResponseStartEvent(200, s_json));
            await send(new HttpResponseBodyEvent(body));
            return;
        }

        await send(new HttpResponseStartEvent(404));
        await send(new HttpResponseBodyEvent("not found"u8.ToArray()));
    };

    private static async ValueTask LifespanAsync(AsgiScope scope, AsgiReceive receive, AsgiSend send)
    {
        while (true)
        {
            switch ((await receive())["type"])
            {
                case "lifespan.startup":
                    scope.State!["opened"] = "the shop is open";
                    await send(LifespanEvent.StartupComplete());
                    break;
                case "lifespan.shutdown":
                    await send(LifespanEvent.ShutdownComplete());
                    return;
            }
        }
    }

    private static async ValueTask EchoAsync(AsgiReceive receive, AsgiSend send)
    {
        await receive(); // websocket.connect
        await send(new WebSocketAcceptEvent());
        while (await receive() is WebSocketMessageEvent message)
        {
            await send(message.Text is { } text ? WebSocketMessageEvent.SendText(text) : WebSocketMessageEvent.SendBytes(message.Bytes ?? default));
        }
    }
}
