using System.Buffers;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.Http1;

/// <summary>
/// Finds the next CRLF-terminated line in a sequence without reading past a limit, so a client can never make
/// the server buffer more than the limit while it waits for the end of a line (docs/http1.md).
/// </summary>
internal static class LineReader
{
    /// <summary>
    /// Reads one line whose length, CRLF included, is at most <paramref name="limit"/> bytes.
    /// Returns false (nothing consumed) when the line is not complete yet.
    /// </summary>
    /// <param name="reader">The input; advanced past the LF on success.</param>
    /// <param name="limit">The most bytes the line may take, CRLF included.</param>
    /// <param name="tooLong">The rejection when the limit is passed.</param>
    /// <param name="scratch">Grown and used when the line spans buffer segments.</param>
    /// <param name="line">The line without its CRLF.</param>
    public static bool TryReadLine(ref SequenceReader<byte> reader, int limit, RequestRejection tooLong, ref byte[] scratch, out ReadOnlySpan<byte> line)
    {
        line = default;
        var unread = reader.UnreadSpan;
        if (unread.Length == reader.Remaining || unread.Length >= limit)
        {
            // The line, if complete, is within this span (a spent limit is judged there too).
            if (!TryReadLine(unread, limit, tooLong, out line, out var used))
            {
                return false;
            }

            reader.Advance(used);
            return true;
        }

        var sequence = reader.UnreadSequence;
        var window = sequence.Length > limit ? sequence.Slice(0, limit) : sequence;
        var position = window.PositionOf(HttpCharacters.LF);
        if (position is null)
        {
            if (window.PositionOf(HttpCharacters.CR) is { } crPosition && window.Slice(crPosition).Length > 1)
            {
                ThrowHelper.ThrowBadRequest(RequestRejection.BareCarriageReturn);
            }

            if (window.Length >= limit)
            {
                ThrowHelper.ThrowBadRequest(tooLong);
            }

            return false;
        }

        var lineSequence = window.Slice(0, position.Value);
        var length = (int)lineSequence.Length;
        if (scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, 256)];
        }

        lineSequence.CopyTo(scratch);
        line = WithoutLineEnding(scratch.AsSpan(0, length));
        reader.Advance(length + 1);
        return true;
    }

    /// <summary>
    /// The same over input held in one span (the usual case: a head arrives in one read): returns false (nothing
    /// consumed) when the line is not complete; <paramref name="consumed"/> counts the LF.
    /// </summary>
    public static bool TryReadLine(ReadOnlySpan<byte> unread, int limit, RequestRejection tooLong, out ReadOnlySpan<byte> line, out int consumed)
    {
        line = default;
        consumed = 0;
        if (limit <= 0)
        {
            if (!unread.IsEmpty)
            {
                ThrowHelper.ThrowBadRequest(tooLong);
            }

            return false;
        }

        var window = unread.Length > limit ? unread[..limit] : unread;

        // The usual line: its first CR or LF is a CR right before an LF. One scan finds it; anything else (no line
        // end yet, a bare CR or LF, a line at the limit) is judged below.
        var end = window.IndexOfAny(HttpCharacters.CR, HttpCharacters.LF);
        if (end >= 0 && window[end] == HttpCharacters.CR && end + 1 < window.Length && window[end + 1] == HttpCharacters.LF)
        {
            line = window[..end];
            consumed = end + 2;
            return true;
        }

        var lf = window.IndexOf(HttpCharacters.LF);
        if (lf < 0)
        {
            ThrowIfBareCarriageReturn(window);
            if (window.Length >= limit)
            {
                ThrowHelper.ThrowBadRequest(tooLong);
            }

            return false;
        }

        line = WithoutLineEnding(window[..lf]);
        consumed = lf + 1;
        return true;
    }

    /// <summary>Checks the bytes before an LF end in CR and hold no other CR; returns them without the CR.</summary>
    private static ReadOnlySpan<byte> WithoutLineEnding(ReadOnlySpan<byte> withCr)
    {
        // A CR anywhere but right before the LF is a bare CR. Checked first, so the reason is the same as when the
        // line arrives in pieces and the CR is caught before the LF exists (ThrowIfBareCarriageReturn).
        var cr = withCr.IndexOf(HttpCharacters.CR);
        if (cr >= 0 && cr < withCr.Length - 1)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.BareCarriageReturn);
        }

        // RFC 9112 §2.2 lets a recipient accept a bare LF; we do not (docs/http1.md: bare LF is 400).
        if (withCr.IsEmpty || withCr[^1] != HttpCharacters.CR)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.BareLineFeed);
        }

        return withCr[..^1];
    }

    /// <summary>
    /// A CR followed by anything but LF can never become a valid line ending: answer at once rather than wait for
    /// an LF that may never come. Checked before the length limit so the answer does not depend on how much
    /// input had arrived.
    /// </summary>
    private static void ThrowIfBareCarriageReturn(ReadOnlySpan<byte> incomplete)
    {
        var cr = incomplete.IndexOf(HttpCharacters.CR);
        if (cr >= 0 && cr < incomplete.Length - 1)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.BareCarriageReturn);
        }
    }
}
