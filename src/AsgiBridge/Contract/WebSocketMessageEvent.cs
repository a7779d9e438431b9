namespace AsgiBridge;

/// <summary>
/// A WebSocket message: <c>websocket.receive</c> (received by the application) or <c>websocket.send</c> (sent by
/// it). Exactly one of <see cref="Bytes"/> and <see cref="Text"/> is set.
/// </summary>
public sealed class WebSocketMessageEvent : AsgiEvent
{
    /// <summary>The type of a received message.</summary>
    public const string ReceiveType = "websocket.receive";

    /// <summary>The type of a message to send.</summary>
    public const string SendType = "websocket.send";

    private static readonly string[] s_keys = ["type", "bytes", "text"];
    private readonly string _type;

    private WebSocketMessageEvent(string type, ReadOnlyMemory<byte>? bytes, string? text)
    {
        _type = type;
        Bytes = bytes;
        Text = text;
    }

    /// <summary>A <c>websocket.send</c> of a text message.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The event.</returns>
    public static WebSocketMessageEvent SendText(string text) => new(SendType, null, text);

    /// <summary>A <c>websocket.send</c> of a binary message.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The event.</returns>
    public static WebSocketMessageEvent SendBytes(ReadOnlyMemory<byte> bytes) => new(SendType, bytes, null);

    /// <summary>A <c>websocket.receive</c> (created by the server).</summary>
    /// <param name="bytes">The bytes of a binary message, or null.</param>
    /// <param name="text">The text of a text message, or null.</param>
    /// <returns>The event.</returns>
    public static WebSocketMessageEvent Received(ReadOnlyMemory<byte>? bytes, string? text) => new(ReceiveType, bytes, text);

    /// <inheritdoc />
    public override string Type => _type;

    /// <summary><c>bytes</c>: the binary payload, or null for a text message.</summary>
    public ReadOnlyMemory<byte>? Bytes { get; set; }

    /// <summary><c>text</c>: the text payload, or null for a binary message.</summary>
    public string? Text { get; set; }

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        switch (key)
        {
            case "bytes": value = Bytes; return true;
            case "text": value = Text; return true;
            default: value = null; return false;
        }
    }

    private protected override bool TrySetField(string key, object? value)
    {
        switch (key)
        {
            case "bytes": Bytes = value is null ? default(ReadOnlyMemory<byte>?) : AsgiValues.ToBytes(value, Type, key); return true;
            case "text": Text = AsgiValues.ToNullableString(value, Type, key); return true;
            default: return false;
        }
    }
}
