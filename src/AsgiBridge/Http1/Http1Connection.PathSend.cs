using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    /// <summary>
    /// <c>http.response.pathsend</c> on HTTP/1.1: the head with the file's length (the cycle counted it), then the
    /// file read into the output pipe, flushed per 64 KiB slice like a large body.
    /// </summary>
    private async ValueTask WriteFileResponseAsync(SafeFileHandle file, long length, string path)
    {
        ChooseFraming();
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
                if (_cycle.ClientGone)
                {
                    // The flush found the connection gone (FlushAsync does not raise once the response is marked
                    // complete): the rest of the file cannot be delivered, and send must not report success.
                    throw new ClientDisconnectedException();
                }
            }
        }
    }
}
