using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.Cycle;

/// <summary>
/// What a <see cref="RequestCycle"/> asks of the protocol under it. The cycle has validated and counted what it hands
/// over; the wire frames it for its protocol (HTTP/1.1: status line, content-length or chunked, keep-alive) and
/// writes it.
/// </summary>
/// <remarks>
/// The write members are called with the write gate held (<see cref="TryEnterWrite"/> / <see cref="EnterWriteAsync"/>,
/// left with <see cref="ExitWrite"/>), which serializes the application's sends with anything the backend writes
/// itself while the application runs (HTTP/1.1: 100 Continue, an answer to a request body error). The cycle has
/// already moved its <see cref="RequestCycle.State"/> when it calls a write member: the wire reads the head from
/// <see cref="RequestCycle.Status"/>, <see cref="RequestCycle.Headers"/>, <see cref="RequestCycle.HeaderInfo"/>,
/// <see cref="RequestCycle.BodyKind"/> and <see cref="RequestCycle.ComputedContentLength"/>. A write returns what is
/// left to wait for (a flush), or a completed task: a backend may defer the flush of a completed response.
/// </remarks>
internal interface IResponseWire
{
    /// <summary>Enters the write gate if nobody holds it (the synchronous path of a send).</summary>
    bool TryEnterWrite();

    /// <summary>Enters the write gate, waiting for the holder.</summary>
    ValueTask EnterWriteAsync();

    /// <summary>Leaves the write gate.</summary>
    void ExitWrite();

    /// <summary>Writes the response head and the first body piece (perhaps empty); <paramref name="last"/> completes the response.</summary>
    ValueTask WriteHeadAsync(ReadOnlyMemory<byte> body, bool last);

    /// <summary>Writes a body piece after the head; <paramref name="last"/> completes the response.</summary>
    ValueTask WriteBodyAsync(ReadOnlyMemory<byte> body, bool last);

    /// <summary>
    /// Writes the head and then the file as the whole body (<c>http.response.pathsend</c>), completing the response.
    /// <paramref name="length"/> was measured when the file was opened and is the body's length.
    /// </summary>
    ValueTask WriteFileAsync(SafeFileHandle file, long length, string path);

    /// <summary>
    /// Writes an informational (1xx) response ahead of the final one, and flushes it: 100 Continue today, 103 Early
    /// Hints when <c>http.response.early_hint</c> comes.
    /// </summary>
    ValueTask WriteInformationalAsync(int status, IReadOnlyList<AsgiHeader> headers);

    /// <summary>
    /// Completes a response whose last body piece was written with <c>last: false</c> because the application announced
    /// trailer fields (<c>http.response.trailers</c>): sends them where the protocol carries them (HTTP/1.1: the last
    /// chunk of a chunked body; HTTP/2: a HEADERS frame), then ends the response. The list is empty when the request
    /// does not declare the extension or the response has no content.
    /// </summary>
    ValueTask WriteTrailersAsync(IReadOnlyList<AsgiHeader> trailers);
}
