namespace AsgiBridge;

/// <summary><c>websocket.accept</c>: accept the connection (the server answers 101). Sent by the application.</summary>
public sealed class WebSocketAcceptEvent : AsgiEvent
{
    private static readonly string[] s_keys = ["type", "subprotocol", "headers"];

    /// <summary>Creates the event.</summary>
    /// <param name="subprotocol">The chosen subprotocol, one of the scope's <c>subprotocols</c>; null for none.</param>
    /// <param name="headers">Extra response headers for the 101 response; null for none.</param>
    public WebSocketAcceptEvent(string? subprotocol = null, IReadOnlyList<AsgiHeader>? headers = null)
    {
        Subprotocol = subprotocol;
        Headers = headers ?? [];
    }

    /// <inheritdoc />
    public override string Type => "websocket.accept";

    /// <summary><c>subprotocol</c>: the chosen subprotocol, or null.</summary>
    public string? Subprotocol { get; set; }

    /// <summary><c>headers</c>: extra headers for the 101 response.</summary>
    public IReadOnlyList<AsgiHeader> Headers { get; set; }

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        switch (key)
        {
            case "subprotocol": value = Subprotocol; return true;
            case "headers": value = Headers; return true;
            default: value = null; return false;
        }
    }

    private protected override bool TrySetField(string key, object? value)
    {
        switch (key)
        {
            case "subprotocol": Subprotocol = AsgiValues.ToNullableString(value, Type, key); return true;
            case "headers": Headers = AsgiValues.ToHeaders(value, Type, key); return true;
            default: return false;
        }
    }
}
