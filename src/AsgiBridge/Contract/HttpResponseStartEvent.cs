namespace AsgiBridge;

/// <summary><c>http.response.start</c>: the status and headers of the response. Sent by the application.</summary>
public sealed class HttpResponseStartEvent : AsgiEvent
{
    private static readonly string[] s_keys = ["type", "status", "headers", "trailers"];

    /// <summary>Creates the event.</summary>
    /// <param name="status">The HTTP status code.</param>
    /// <param name="headers">The response headers; null for none.</param>
    public HttpResponseStartEvent(int status, IReadOnlyList<AsgiHeader>? headers = null)
    {
        Status = status;
        Headers = headers ?? [];
    }

    /// <inheritdoc />
    public override string Type => "http.response.start";

    /// <summary><c>status</c>: the HTTP status code.</summary>
    public int Status { get; set; }

    /// <summary><c>headers</c>: the response headers in order.</summary>
    public IReadOnlyList<AsgiHeader> Headers { get; set; }

    /// <summary>
    /// <c>trailers</c>: whether trailer fields follow the body. Defaults to false. When true, the response is complete only
    /// with the <see cref="HttpResponseTrailersEvent"/> whose <c>more_trailers</c> is false, after the last body piece.
    /// </summary>
    public bool Trailers { get; set; }

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        switch (key)
        {
            case "status": value = Status; return true;
            case "headers": value = Headers; return true;
            case "trailers": value = Trailers; return true;
            default: value = null; return false;
        }
    }

    private protected override bool TrySetField(string key, object? value)
    {
        switch (key)
        {
            case "status": Status = AsgiValues.ToInt(value, Type, key); return true;
            case "headers": Headers = AsgiValues.ToHeaders(value, Type, key); return true;
            case "trailers": Trailers = AsgiValues.ToBool(value, Type, key); return true;
            default: return false;
        }
    }
}
