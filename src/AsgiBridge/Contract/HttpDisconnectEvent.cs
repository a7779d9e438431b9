namespace AsgiBridge;

/// <summary>
/// <c>http.disconnect</c>: the client went away, or the response is complete. Received by the application.
/// </summary>
public sealed class HttpDisconnectEvent : AsgiEvent
{
    private static readonly string[] s_keys = ["type"];

    /// <inheritdoc />
    public override string Type => "http.disconnect";

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        value = null;
        return false;
    }

    private protected override bool TrySetField(string key, object? value) => false;
}
