namespace AsgiBridge;

/// <summary>
/// <c>http.response.pathsend</c> (ASGI extension, declared in an <c>http</c> scope's <c>extensions</c>): the whole
/// response body is the file at <see cref="Path"/>, sent by the server. Sent by the application after
/// <c>http.response.start</c>, instead of any <c>http.response.body</c>; the response is then complete.
/// </summary>
public sealed class HttpResponsePathSendEvent : AsgiEvent
{
    private static readonly string[] s_keys = ["type", "path"];

    /// <summary>Creates the event.</summary>
    /// <param name="path">The absolute path of the file to send.</param>
    public HttpResponsePathSendEvent(string path)
    {
        Path = path;
    }

    /// <inheritdoc />
    public override string Type => "http.response.pathsend";

    /// <summary><c>path</c>: the absolute path of the file to send.</summary>
    public string Path { get; set; }

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        if (key == "path")
        {
            value = Path;
            return true;
        }

        value = null;
        return false;
    }

    private protected override bool TrySetField(string key, object? value)
    {
        if (key == "path")
        {
            Path = AsgiValues.ToNullableString(value, Type, key) ?? throw new AsgiProtocolException($"'{Type}' event: key 'path' cannot be null.");
            return true;
        }

        return false;
    }
}
