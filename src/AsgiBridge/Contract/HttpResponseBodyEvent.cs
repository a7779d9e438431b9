namespace AsgiBridge;

/// <summary><c>http.response.body</c>: a piece of the response body. Sent by the application.</summary>
public sealed class HttpResponseBodyEvent : AsgiEvent
{
    private static readonly string[] s_keys = ["type", "body", "more_body"];

    /// <summary>Creates the event.</summary>
    /// <param name="body">The body bytes. The server does not keep them after <see cref="AsgiSend"/> completes.</param>
    /// <param name="moreBody">Whether more body follows. Defaults to false: this is the last piece.</param>
    public HttpResponseBodyEvent(ReadOnlyMemory<byte> body, bool moreBody = false)
    {
        Body = body;
        MoreBody = moreBody;
    }

    /// <inheritdoc />
    public override string Type => "http.response.body";

    /// <summary><c>body</c>: the body bytes.</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary><c>more_body</c>: whether more body follows.</summary>
    public bool MoreBody { get; set; }

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        switch (key)
        {
            case "body": value = Body; return true;
            case "more_body": value = MoreBody; return true;
            default: value = null; return false;
        }
    }

    private protected override bool TrySetField(string key, object? value)
    {
        switch (key)
        {
            case "body": Body = AsgiValues.ToBytes(value, Type, key); return true;
            case "more_body": MoreBody = AsgiValues.ToBool(value, Type, key); return true;
            default: return false;
        }
    }
}
