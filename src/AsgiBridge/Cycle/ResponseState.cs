namespace AsgiBridge.Cycle;

/// <summary>
/// Where the response of one request stands, in the order it can only move forward (Kestrel's
/// <c>RequestProcessingStatus</c> is the model): comparisons such as <c>state &gt;= HeadWritten</c> are meaningful.
/// </summary>
internal enum ResponseState : byte
{
    /// <summary>No <c>http.response.start</c> yet.</summary>
    NotStarted,

    /// <summary><c>http.response.start</c> accepted and validated; nothing is on the wire yet (a clean 500 is still possible).</summary>
    Started,

    /// <summary>The head is written; more body pieces may follow.</summary>
    HeadWritten,

    /// <summary>
    /// The last body piece is written and the application announced trailer fields (<c>trailers: true</c>): the
    /// response completes with its <c>http.response.trailers</c> event (<c>more_trailers</c> false).
    /// </summary>
    TrailersPending,

    /// <summary>
    /// The last body piece is counted (<c>more_body</c> false, or a file for <c>http.response.pathsend</c>), or the
    /// server answered in the application's place (a request body error, a WebSocket handshake answer).
    /// </summary>
    Complete,
}
