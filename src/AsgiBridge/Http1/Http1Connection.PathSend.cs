using AsgiBridge.Infrastructure;
using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    /// <summary>
    /// <c>http.response.pathsend</c> (ASGI extension): the file is the whole body. It is opened and measured before
    /// anything is written, so a missing or unreadable file raises to the application while a clean 500 is still
    /// possible. It is then framed as a one-piece body of the file's length (an application content-length is
    /// honoured as for any body: a longer file raises, a shorter one closes the connection after it) and read into
    /// the output pipe, flushed per 64 KiB slice like a large body.
    /// </summary>
    private async ValueTask SendPathAsync(string path)
    {
        if (_clientGone)
        {
            throw new ClientDisconnectedException();
        }

        CheckPathSendAllowed();
        if (!Path.IsPathFullyQualified(path))
        {
            ThrowHelper.ThrowProtocol($"'http.response.pathsend' event: key 'path' must be an absolute file path, not '{path}'.");
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(file);

        await _writeLock.EnterAsync().ConfigureAwait(false);
        try
        {
            // Re-checked under the gate: a concurrent receive may have answered a body error itself.
            if (_clientGone)
            {
                throw new ClientDisconnectedException();
            }

            CheckPathSendAllowed();
            ChooseFraming(length, moreBody: false);
            CountPiece(length, last: true, "'http.response.pathsend' event: key 'path'");
            WriteHead(default, last: false);
            if (!SuppressBody)
            {
                try
                {
                    await WriteFileAsync(file, length, path).ConfigureAwait(false);
                }
                catch
                {
                    // The head promised the file's length and the body may now be short (a read error, the file
                    // shrank, the client left): never serve another request after it, even if the app catches this.
                    _keepAlive = false;
                    throw;
                }
            }

            await FinishPiece(wroteBody: true, last: true, flushEmpty: true).ConfigureAwait(false);
        }
        finally
        {
            LeaveWriteGate();
        }
    }

    /// <summary>The file is the whole body: allowed right after <c>http.response.start</c> only.</summary>
    private void CheckPathSendAllowed()
    {
        if (!_responseStarted)
        {
            ThrowHelper.ThrowProtocol("'http.response.pathsend' event sent before 'http.response.start'.");
        }

        if (_responseComplete)
        {
            ThrowHelper.ThrowProtocol("'http.response.pathsend' event sent after the response was complete.");
        }

        if (_headWritten)
        {
            ThrowHelper.ThrowProtocol("'http.response.pathsend' event sent after 'http.response.body': the file must be the whole body.");
        }
    }

    private async ValueTask WriteFileAsync(SafeFileHandle file, long length, string path)
    {
        CommitParkedOutput();
        long offset = 0;
        var sinceFlush = 0;
        while (offset < length)
        {
            var memory = _output.GetMemory(MaxSpanHint);
            var want = (int)Math.Min(memory.Length, length - offset);
            var read = await RandomAccess.ReadAsync(file, memory[..want], offset).ConfigureAwait(false);
            if (read == 0)
            {
                // The file shrank after it was measured: the promised length can never be sent. The application
                // sees the error; the connection closes after the short body (never a response that looks complete).
                throw new IOException($"'http.response.pathsend': the file '{path}' ended after {offset} of its {length} bytes.");
            }

            _output.Advance(read);
            offset += read;
            sinceFlush += read;
            if (sinceFlush >= WriteSliceSize && offset < length)
            {
                sinceFlush = 0;
                await FlushAsync().ConfigureAwait(false);
                if (_clientGone)
                {
                    // The flush found the connection gone (FlushAsync does not raise once the response is marked
                    // complete): the rest of the file cannot be delivered, and send must not report success.
                    throw new ClientDisconnectedException();
                }
            }
        }
    }
}
