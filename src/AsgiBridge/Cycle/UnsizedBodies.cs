namespace AsgiBridge.Cycle;

/// <summary>
/// How a body the application sends in one piece without a content-length is framed. By default the server has the
/// whole body when it writes the head, so it sends a content-length (docs/contract.md, "send"). A host serving a Python
/// app streams it instead — chunked on HTTP/1.1, nothing announced for HEAD — as uvicorn does (it decides at
/// <c>http.response.start</c>, before any body), so both servers put the same bytes on the wire (docs/python.md). Set
/// once, before serving; process-wide.
/// </summary>
internal static class UnsizedBodies
{
    /// <summary>Whether a one-piece body without a content-length is streamed rather than counted.</summary>
    public static bool Streamed { get; private set; }

    /// <summary>Frames such bodies as uvicorn does from now on.</summary>
    public static void StreamAsUvicornDoes() => Streamed = true;
}
