namespace AsgiBridge.Cycle;

/// <summary>
/// The request body as a backend reads it, for <see cref="RequestCycle.ReceiveAsync"/>: the cycle decides which
/// event the application gets (<c>http.request</c> with <c>more_body</c>, or <c>http.disconnect</c>); the backend
/// reads its framing, its limits and its timeouts.
/// </summary>
internal interface IRequestBodySource
{
    /// <summary>Whether the whole body has been read (true at once for a request without a body).</summary>
    bool IsComplete { get; }

    /// <summary>
    /// Reads the next piece. A body error or a client that left is reported as <see cref="RequestBodyRead.Gone"/>
    /// (the backend has told the cycle with <see cref="RequestCycle.MarkClientGone"/> and answered what it could).
    /// </summary>
    ValueTask<RequestBodyRead> ReadAsync();
}
