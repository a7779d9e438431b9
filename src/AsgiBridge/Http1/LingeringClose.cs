using System.IO.Pipelines;

namespace AsgiBridge.Http1;

/// <summary>
/// The lingering close (RFC 9112 §9.6): before a connection that still has unread input closes, the input is read and
/// discarded until the client goes quiet, so the kernel does not answer the unread bytes with a reset that would also
/// drop the response not yet transmitted (docs/http1.md, "Lingering close").
/// </summary>
internal static class LingeringClose
{
    /// <summary>
    /// Lingering costs the client a short wait for our FIN, so it is done only when more input is likely on its way:
    /// input is already buffered beyond what was consumed, or (nothing buffered and the client still sending) the last
    /// request is unfinished (<paramref name="requestUnfinished"/>: a rejected head, an unread body).
    /// </summary>
    public static bool ClientMayStillBeSending(PipeReader input, bool requestUnfinished)
    {
        if (input.TryRead(out var buffered))
        {
            var pending = !buffered.Buffer.IsEmpty;
            input.AdvanceTo(buffered.Buffer.Start, buffered.Buffer.End);
            if (pending || buffered.IsCompleted)
            {
                return pending;
            }
        }

        return requestUnfinished;
    }

    /// <summary>
    /// Reads and discards input until the client has been quiet for <see cref="ConnectionSettings.LingerIdle"/>, has
    /// closed, or <see cref="ConnectionSettings.LingerTimeout"/> / <see cref="ConnectionSettings.LingerMaxBytes"/> are spent.
    /// </summary>
    public static async ValueTask DiscardUntilQuietAsync(PipeReader input)
    {
        var deadline = Environment.TickCount64 + (long)ConnectionSettings.LingerTimeout.TotalMilliseconds;
        long discarded = 0;
        while (discarded < ConnectionSettings.LingerMaxBytes)
        {
            var remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                return;
            }

            using var idle = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Min(remaining, (long)ConnectionSettings.LingerIdle.TotalMilliseconds)));
            ReadResult result;
            try
            {
                result = await input.ReadAsync(idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // the client went quiet: nothing unread will arrive to trigger a reset
            }

            discarded += result.Buffer.Length;
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }
}
