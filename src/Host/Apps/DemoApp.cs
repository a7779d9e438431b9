using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AsgiBridge.Host.Apps;

/// <summary>
/// <c>demo</c> (the default): <c>/</c> an HTML page about the server, <c>/hello</c> as the hello app,
/// <c>/echo...</c> as the echo app, <c>/stream?chunks=N&amp;size=S</c> a streamed response of N pieces of S bytes,
/// <c>/ws</c> a WebSocket echo, <c>/chat</c> a chat page whose WebSocket broadcasts to every open tab,
/// <c>/state</c> the lifespan state as JSON (the start time recorded at startup), <c>/sleep?ms=N</c> a slow answer.
/// </summary>
public static class DemoApp
{
    private const int MaxChunks = 100_000;
    private const int MaxChunkSize = 1024 * 1024;

    private static readonly AsgiHeader[] s_html = [new("content-type", "text/html; charset=utf-8")];
    private static readonly AsgiHeader[] s_text = [new("content-type", "text/plain; charset=utf-8")];
    private static readonly AsgiHeader[] s_json = [new("content-type", "application/json")];

    private static readonly byte[] s_page = Encoding.UTF8.GetBytes("""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>AsgiBridge</title></head>
        <body>
        <h1>AsgiBridge</h1>
        <p>ASGI-style applications served by a Kestrel connection handler speaking HTTP/1.1.</p>
        <ul>
          <li><a href="/hello">/hello</a>: plain text hello world</li>
          <li><a href="/echo">/echo</a>: the request as the application sees it, as JSON</li>
          <li><a href="/stream?chunks=10&amp;size=16">/stream?chunks=10&amp;size=16</a>: a streamed (chunked) response</li>
          <li><a href="/chat">/chat</a>: a WebSocket chat room (open it in two tabs)</li>
          <li><code>/ws</code>: a WebSocket echo</li>
          <li><a href="/state">/state</a>: the lifespan state (the app's start time)</li>
          <li><a href="/sleep?ms=500">/sleep?ms=500</a>: answers after a delay</li>
        </ul>
        </body>
        </html>
        """);

    /// <summary>The app.</summary>
    public static readonly AsgiApp App = static (scope, receive, send) =>
    {
        if (scope.Type == "lifespan")
        {
            return LifespanAsync(scope, receive, send);
        }

        var path = scope.Path;
        if (scope.Type == "websocket")
        {
            return path switch
            {
                "/ws" => WebSocketEcho.RunAsync(scope, receive, send),
                "/chat" => ChatRoom.RunAsync(receive, send),
                _ => RefuseAsync(receive, send),
            };
        }

        if (scope.Type != "http")
        {
            return ValueTask.CompletedTask;
        }

        if (path == "/chat")
        {
            return RespondAsync(send, 200, s_html, ChatRoom.Page);
        }

        if (path == "/")
        {
            return RespondAsync(send, 200, s_html, s_page);
        }

        if (path == "/hello")
        {
            return HelloApp.App(scope, receive, send);
        }

        if (path.StartsWith("/echo", StringComparison.Ordinal))
        {
            return EchoApp.App(scope, receive, send);
        }

        if (path == "/stream")
        {
            return StreamAsync(scope, send);
        }

        if (path == "/state")
        {
            return RespondAsync(send, 200, s_json, JsonSerializer.SerializeToUtf8Bytes(scope.State?.ToDictionary(p => p.Key, p => p.Value?.ToString())));
        }

        if (path == "/sleep")
        {
            return SleepAsync(scope, send);
        }

        return RespondAsync(send, 404, s_text, "Not Found\n"u8.ToArray());
    };

    private static async ValueTask StreamAsync(AsgiScope scope, AsgiSend send)
    {
        var query = Encoding.Latin1.GetString(scope.QueryString.Span);
        var chunks = QueryInt(query, "chunks", 10);
        var size = QueryInt(query, "size", 1024);
        if (chunks is < 0 or > MaxChunks || size is < 0 or > MaxChunkSize)
        {
            await RespondAsync(send, 400, s_text, Encoding.UTF8.GetBytes($"chunks must be 0..{MaxChunks} and size 0..{MaxChunkSize}\n")).ConfigureAwait(false);
            return;
        }

        var piece = new byte[size];
        Array.Fill(piece, (byte)'x');
        await send(new HttpResponseStartEvent(200, s_text)).ConfigureAwait(false);
        for (var i = 0; i < chunks; i++)
        {
            await send(new HttpResponseBodyEvent(piece, moreBody: true)).ConfigureAwait(false);
        }

        await send(new HttpResponseBodyEvent(ReadOnlyMemory<byte>.Empty)).ConfigureAwait(false);
    }

    /// <summary>Lifespan: record the start time in the state every request sees a copy of; log the shutdown.</summary>
    private static async ValueTask LifespanAsync(AsgiScope scope, AsgiReceive receive, AsgiSend send)
    {
        while (true)
        {
            var message = await receive().ConfigureAwait(false);
            switch (message["type"])
            {
                case "lifespan.startup":
                    scope.State!["started_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
                    await send(LifespanEvent.StartupComplete()).ConfigureAwait(false);
                    break;
                case "lifespan.shutdown":
                    await Console.Out.WriteLineAsync("demo app: lifespan shutdown, goodbye").ConfigureAwait(false);
                    await send(LifespanEvent.ShutdownComplete()).ConfigureAwait(false);
                    return;
            }
        }
    }

    /// <summary><c>/sleep?ms=N</c>: answers <c>slept N</c> after N milliseconds (for shutdown and timeout checks).</summary>
    private static async ValueTask SleepAsync(AsgiScope scope, AsgiSend send)
    {
        var ms = QueryInt(Encoding.Latin1.GetString(scope.QueryString.Span), "ms", 0);
        if (ms is < 0 or > 600_000)
        {
            await RespondAsync(send, 400, s_text, "ms must be 0..600000\n"u8.ToArray()).ConfigureAwait(false);
            return;
        }

        await Task.Delay(ms).ConfigureAwait(false);
        await RespondAsync(send, 200, s_text, Encoding.ASCII.GetBytes($"slept {ms}")).ConfigureAwait(false);
    }

    private static async ValueTask RefuseAsync(AsgiReceive receive, AsgiSend send)
    {
        await receive().ConfigureAwait(false); // websocket.connect
        await send(WebSocketCloseEvent.Close()).ConfigureAwait(false); // refused before accept: 403
    }

    private static async ValueTask RespondAsync(AsgiSend send, int status, AsgiHeader[] headers, byte[] body)
    {
        await send(new HttpResponseStartEvent(status, headers)).ConfigureAwait(false);
        await send(new HttpResponseBodyEvent(body)).ConfigureAwait(false);
    }

    private static int QueryInt(string query, string name, int fallback)
    {
        foreach (var part in query.Split('&'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part.AsSpan(0, eq).SequenceEqual(name))
            {
                return int.TryParse(part.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1;
            }
        }

        return fallback;
    }
}
