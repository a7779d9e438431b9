namespace AsgiBridge;

/// <summary>
/// <c>http.response.trailers</c> (ASGI extension, declared in an <c>http</c> scope's <c>extensions</c> where the client
/// can receive trailer fields): trailer fields sent after the last body piece of a response whose
/// <see cref="HttpResponseStartEvent.Trailers"/> was true. Sent by the application; the last one
/// (<see cref="MoreTrailers"/> false) completes the response.
/// </summary>
public sealed class HttpResponseTrailersEvent : AsgiEvent
{
    private static readonly string[] s_keys = ["type", "headers", "more_trailers"];

    /// <summary>Creates the event.</summary>
    /// <param name="headers">The trailer fields; null for none.</param>
    /// <param name="moreTrailers">Whether more trailer events follow. Defaults to false: this one completes the response.</param>
    public HttpResponseTrailersEvent(IReadOnlyList<AsgiHeader>? headers = null, bool moreTrailers = false)
    {
        Headers = headers ?? [];
        MoreTrailers = moreTrailers;
    }

    /// <inheritdoc />
    public override string Type => "http.response.trailers";

    /// <summary><c>headers</c>: the trailer fields in order.</summary>
    public IReadOnlyList<AsgiHeader> Headers { get; set; }

    /// <summary><c>more_trailers</c>: whether more trailer events follow.</summary>
    public bool MoreTrailers { get; set; }

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        switch (key)
        {
            case "headers": value = Headers; return true;
            case "more_trailers": value = MoreTrailers; return true;
            default: value = null; return false;
        }
    }

    private protected override bool TrySetField(string key, object? value)
    {
        switch (key)
        {
            case "headers": Headers = AsgiValues.ToHeaders(value, Type, key); return true;
            case "more_trailers": MoreTrailers = AsgiValues.ToBool(value, Type, key); return true;
            default: return false;
        }
    }
}
