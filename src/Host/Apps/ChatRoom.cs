using System.Collections.Concurrent;
using System.Text;

namespace AsgiBridge.Host.Apps;

/// <summary>
/// The demo's <c>/chat</c>: an HTML page and a WebSocket endpoint where every message from one connected tab is
/// broadcast to every connected tab (the sender included, so each tab shows the whole conversation).
/// </summary>
public static class ChatRoom
{
    private static readonly ConcurrentDictionary<long, AsgiSend> s_members = new();
    private static long s_nextId;

    /// <summary>The chat page.</summary>
    public static readonly byte[] Page = Encoding.UTF8.GetBytes("""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>AsgiBridge chat</title>
        <style>body{font-family:sans-serif;max-width:40em;margin:2em auto}#log{border:1px solid #ccc;min-height:10em;padding:.5em}</style>
        </head>
        <body>
        <h1>Chat</h1>
        <p id="status">connecting…</p>
        <div id="log"></div>
        <form id="form"><input id="text" autocomplete="off" autofocus> <button id="send">Send</button></form>
        <script>
        const log = document.getElementById('log');
        const status = document.getElementById('status');
        const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/chat');
        ws.onopen = () => { status.textContent = 'connected'; };
        ws.onclose = () => { status.textContent = 'disconnected'; };
        ws.onmessage = (event) => {
          const line = document.createElement('div');
          line.className = 'message';
          line.textContent = event.data;
          log.appendChild(line);
        };
        document.getElementById('form').onsubmit = (event) => {
          event.preventDefault();
          const input = document.getElementById('text');
          if (input.value) { ws.send(input.value); input.value = ''; }
        };
        </script>
        </body>
        </html>
        """);

    /// <summary>Runs one member's session until it leaves.</summary>
    /// <param name="receive">The session's receive.</param>
    /// <param name="send">The session's send.</param>
    /// <returns>A task that completes when the member has left.</returns>
    public static async ValueTask RunAsync(AsgiReceive receive, AsgiSend send)
    {
        ArgumentNullException.ThrowIfNull(receive);
        ArgumentNullException.ThrowIfNull(send);
        await receive().ConfigureAwait(false); // websocket.connect
        await send(new WebSocketAcceptEvent()).ConfigureAwait(false);
        var id = Interlocked.Increment(ref s_nextId);
        s_members[id] = send;
        try
        {
            while (await receive().ConfigureAwait(false) is WebSocketMessageEvent message)
            {
                var text = message.Text ?? Encoding.UTF8.GetString(message.Bytes!.Value.Span);
                await BroadcastAsync(text).ConfigureAwait(false);
            }
        }
        finally
        {
            s_members.TryRemove(id, out _);
        }
    }

    private static async Task BroadcastAsync(string text)
    {
        var sends = new List<Task>();
        foreach (var (id, member) in s_members)
        {
            sends.Add(SendToAsync(id, member, text));
        }

        await Task.WhenAll(sends).ConfigureAwait(false);
    }

    private static async Task SendToAsync(long id, AsgiSend member, string text)
    {
        try
        {
            await member(WebSocketMessageEvent.SendText(text)).ConfigureAwait(false);
        }
        catch (ClientDisconnectedException)
        {
            s_members.TryRemove(id, out _);
        }
    }
}
