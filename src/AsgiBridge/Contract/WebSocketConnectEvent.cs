namespace AsgiBridge;

/// <summary><c>websocket.connect</c>: a client asks to open a WebSocket. Received first; answer with accept or close.</summary>
public sealed class WebSocketConnectEvent : AsgiEvent
{
    private static readonly string[] s_keys = ["type"];

    /// <inheritdoc />
    public override string Type => "websocket.connect";

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        value = null;
        return false;
    }

    private protected override bool TrySetField(string key, object? value) => false;
}
