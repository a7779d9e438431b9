namespace AsgiBridge.Host.Apps;

/// <summary>
/// The WebSocket echo the built-in apps share: accept (with the first subprotocol the client offered) and send
/// every message back as it came, text as text and bytes as bytes, until the client closes.
/// </summary>
public static class WebSocketEcho
{
    /// <summary>Runs one echo session.</summary>
    /// <param name="scope">A <c>websocket</c> scope.</param>
    /// <param name="receive">The session's receive.</param>
    /// <param name="send">The session's send.</param>
    /// <returns>A task that completes when the client has gone.</returns>
    public static async ValueTask RunAsync(AsgiScope scope, AsgiReceive receive, AsgiSend send)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(receive);
        ArgumentNullException.ThrowIfNull(send);
        await receive().ConfigureAwait(false); // websocket.connect
        var subprotocol = scope.Subprotocols is { Count: > 0 } offered ? offered[0] : null;
        await send(new WebSocketAcceptEvent(subprotocol)).ConfigureAwait(false);
        while (true)
        {
            if (await receive().ConfigureAwait(false) is not WebSocketMessageEvent message)
            {
                return; // websocket.disconnect
            }

            await send(message.Text is { } text ? WebSocketMessageEvent.SendText(text) : WebSocketMessageEvent.SendBytes(message.Bytes!.Value)).ConfigureAwait(false);
        }
    }
}
