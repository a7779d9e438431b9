namespace AsgiBridge.Cycle;

/// <summary>
/// What every backend knows about a response body once its first piece is sent: whether it carries bytes at all and
/// whether its length is known. How a body of unknown length is delimited is the protocol's choice (HTTP/1.1:
/// chunked or close-delimited; HTTP/2: the stream's end).
/// </summary>
internal enum ResponseBodyKind : byte
{
    /// <summary>No body piece yet.</summary>
    Undecided,

    /// <summary>No body bytes whatever the application sends: HEAD, 1xx, 204, 304 (RFC 9110 §6.4.1, §9.3.2).</summary>
    None,

    /// <summary>The length is known: the application's content-length, or computed from a one-piece body.</summary>
    ContentLength,

    /// <summary>The length is unknown: the body is streamed in pieces.</summary>
    Streamed,
}
