using System.Buffers;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.Http1;

/// <summary>
/// The resumable HTTP/1.1 request-head parser (RFC 9112 §2–§5). Each call consumes the complete lines in the
/// input and records them in a <see cref="RequestHead"/>; it returns true once the empty line ending the head
/// has been read and the head validated. Bad input throws <see cref="BadRequestException"/>. Because only
/// complete lines are ever judged, the answer never depends on how the bytes were split across reads.
/// </summary>
internal static partial class RequestHeadParser
{
    public static bool TryParse(ref SequenceReader<byte> reader, RequestHead head, in Http1Limits limits)
    {
        var unread = reader.UnreadSpan;
        if (unread.Length == reader.Remaining)
        {
            // The usual case, the whole input in one span: parsed without the sequence reader's bookkeeping per line.
            var complete = TryParse(unread, head, limits, out var consumed);
            reader.Advance(consumed);
            return complete;
        }

        if (!head.RequestLineDone)
        {
            // RFC 9112 §2.2: ignore at least one empty line received before the request line.
            while (reader.IsNext("\r\n"u8, advancePast: true))
            {
            }

            if (reader.End)
            {
                return false;
            }

            if (!LineReader.TryReadLine(ref reader, limits.MaxRequestLineSize + 2, RequestRejection.RequestLineTooLong, ref head.LineScratch, out var requestLine))
            {
                return false;
            }

            ParseRequestLine(requestLine, head);
            head.RequestLineDone = true;
        }

        while (true)
        {
            var budget = limits.MaxRequestHeadersSize - head.HeaderBytes;
            if (!LineReader.TryReadLine(ref reader, budget, RequestRejection.HeadersTooLarge, ref head.LineScratch, out var line))
            {
                return false;
            }

            if (ParseHeadLine(line, head, limits))
            {
                return true;
            }
        }
    }

    /// <summary>The same over one span; <paramref name="consumed"/> is how much of it the complete lines took.</summary>
    private static bool TryParse(ReadOnlySpan<byte> input, RequestHead head, in Http1Limits limits, out int consumed)
    {
        var rest = input;
        var complete = false;
        if (!head.RequestLineDone)
        {
            while (rest.StartsWith("\r\n"u8))
            {
                rest = rest[2..];
            }

            if (rest.IsEmpty || !LineReader.TryReadLine(rest, limits.MaxRequestLineSize + 2, RequestRejection.RequestLineTooLong, out var requestLine, out var used))
            {
                consumed = input.Length - rest.Length;
                return false;
            }

            rest = rest[used..];
            ParseRequestLine(requestLine, head);
            head.RequestLineDone = true;
        }

        while (LineReader.TryReadLine(rest, limits.MaxRequestHeadersSize - head.HeaderBytes, RequestRejection.HeadersTooLarge, out var line, out var used))
        {
            rest = rest[used..];
            if (ParseHeadLine(line, head, limits))
            {
                complete = true;
                break;
            }
        }

        consumed = input.Length - rest.Length;
        return complete;
    }

    /// <summary>One line after the request line: a field, or the empty line that completes the head (returns true).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool ParseHeadLine(ReadOnlySpan<byte> line, RequestHead head, in Http1Limits limits)
    {
        head.HeaderBytes += line.Length + 2;
        if (line.IsEmpty)
        {
            CompleteHead(head, limits);
            return true;
        }

        if (head.Fields.Count >= limits.MaxRequestHeaderCount)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.TooManyHeaders);
        }

        ParseFieldLine(line, out var name, out var value);
        AddField(head, name, value);
        return false;
    }

    /// <summary>
    /// Splits and checks one field line (RFC 9112 §5): a token name, a colon with no whitespace before it, and a
    /// value without CTLs, trimmed of surrounding whitespace. Shared by header and trailer sections.
    /// </summary>
    public static void ParseFieldLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        // RFC 9112 §5.2: obs-fold is rejected with 400 (we do not unfold); a line starting with whitespace
        // right after the request line (§2.2) gets the same answer.
        if (HttpCharacters.IsWhitespace(line[0]))
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.ObsoleteLineFolding);
        }

        var colon = line.IndexOf(HttpCharacters.Colon);
        if (colon <= 0)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidHeaderName);
        }

        // RFC 9112 §5.1: no whitespace is allowed between the field name and the colon.
        name = line[..colon];
        if (!HttpCharacters.IsToken(name))
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidHeaderName);
        }

        value = HttpCharacters.TrimWhitespace(line[(colon + 1)..]);
        if (value.ContainsAny(HttpCharacters.InvalidFieldValue))
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidHeaderValue);
        }
    }
}
