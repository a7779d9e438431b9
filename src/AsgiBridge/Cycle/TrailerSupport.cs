namespace AsgiBridge.Cycle;

/// <summary>
/// Whether the response of one request can carry trailer fields (<c>http.response.trailers</c>), decided by the backend
/// per request: the scope declares the extension exactly when this is not <see cref="None"/>.
/// </summary>
internal enum TrailerSupport : byte
{
    /// <summary>
    /// The client did not ask for trailers (HTTP/1.1 without <c>TE: trailers</c>) or the protocol has no place for them
    /// (HTTP/1.0): an application that announces them anyway has its trailer events accepted and their fields dropped.
    /// </summary>
    None,

    /// <summary>HTTP/1.1: trailer fields go in the last chunk, so the body must be chunked (RFC 9112 §7.1.2).</summary>
    ChunkedBody,

    /// <summary>HTTP/2 and HTTP/3: a HEADERS frame after the body, whatever its framing (RFC 9113 §8.1).</summary>
    AnyBody,
}
