namespace AsgiBridge.Http1;

/// <summary>How the request body is delimited (RFC 9112 §6.3).</summary>
internal enum BodyFraming : byte
{
    /// <summary>No Content-Length and no Transfer-Encoding: a zero-length body.</summary>
    None,

    /// <summary>Content-Length bytes follow the head.</summary>
    ContentLength,

    /// <summary>Transfer-Encoding: chunked.</summary>
    Chunked,
}
