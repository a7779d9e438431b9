namespace AsgiBridge;

/// <summary>
/// A WebSocket close: <c>websocket.close</c> (sent by the application; before accept it refuses the handshake
/// with 403) or <c>websocket.disconnect</c> (received: the peer closed, with its code, 1006 when the connection
/// dropped without a close frame).
/// </summary>
public sealed class WebSocketCloseEvent : AsgiEvent
{
    /// <summary>The type of the event the application sends to close.</summary>
    public const string CloseType = "websocket.close";

    /// <summary>The type of the event the application receives when the connection is gone.</summary>
    public const string DisconnectType = "websocket.disconnect";

    private static readonly string[] s_keys = ["type", "code", "reason"];
    private readonly string _type;

    private WebSocketCloseEvent(string type, int code, string? reason)
    {
        _type = type;
        Code = code;
        Reason = reason;
    }

    /// <summary>A <c>websocket.close</c>.</summary>
    /// <param name="code">The close code. Defaults to 1000 (normal closure).</param>
    /// <param name="reason">The close reason, at most 123 bytes of UTF-8.</param>
    /// <returns>The event.</returns>
    public static WebSocketCloseEvent Close(int code = 1000, string? reason = null) => new(CloseType, code, reason);

    /// <summary>A <c>websocket.disconnect</c> (created by the server).</summary>
    /// <param name="code">The peer's close code, or 1006 for an abnormal end.</param>
    /// <param name="reason">The peer's reason.</param>
    /// <returns>The event.</returns>
    public static WebSocketCloseEvent Disconnect(int code, string? reason = null) => new(DisconnectType, code, reason);

    /// <inheritdoc />
    public override string Type => _type;

    /// <summary><c>code</c>: the close code.</summary>
    public int Code { get; set; }

    /// <summary><c>reason</c>: the close reason, or null.</summary>
    public string? Reason { get; set; }

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        switch (key)
        {
            case "code": value = Code; return true;
            case "reason": value = Reason ?? ""; return true;
            default: value = null; return false;
        }
    }

    private protected override bool TrySetField(string key, object? value)
    {
        switch (key)
        {
            case "code": Code = AsgiValues.ToInt(value, Type, key); return true;
            case "reason": Reason = AsgiValues.ToNullableString(value, Type, key); return true;
            default: return false;
        }
    }
}
