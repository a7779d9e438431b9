namespace AsgiBridge.Http1;

/// <summary>How the response body is delimited on the wire (RFC 9112 §6.3).</summary>
internal enum ResponseFraming : byte
{
    /// <summary>No body bytes at all: HEAD, 1xx, 204, 304.</summary>
    None,

    /// <summary>A Content-Length, given by the application or computed from a one-piece body.</summary>
    ContentLength,

    /// <summary>Transfer-Encoding: chunked (HTTP/1.1, length unknown).</summary>
    Chunked,

    /// <summary>The end of the body is the end of the connection (HTTP/1.0, length unknown).</summary>
    CloseDelimited,
}
