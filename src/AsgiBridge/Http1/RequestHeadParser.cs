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

        while (LineReader.TryReadLine(ref reader, LineLimit(head, limits), LineTooLong(head), ref head.LineScratch, out var line))
        {
            if (ParseLine(line, head, limits))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The same over one span; <paramref name="consumed"/> is how much of it the complete lines took.</summary>
    private static bool TryParse(ReadOnlySpan<byte> input, RequestHead head, in Http1Limits limits, out int consumed)
    {
        var rest = input;
        var complete = false;
        while (!complete)
        {
            int used;
            // A CR first is the empty line that ends the head (or a fault): the line-by-line path takes it.
            if (head.RequestLineDone && !rest.IsEmpty && rest[0] != HttpCharacters.CR && TryParseValidFieldLine(rest, head, limits, out used))
            {
                rest = rest[used..];
                continue;
            }

            if (!LineReader.TryReadLine(rest, LineLimit(head, limits), LineTooLong(head), out var line, out used))
            {
                break;
            }

            rest = rest[used..];
            complete = ParseLine(line, head, limits);
        }

        consumed = input.Length - rest.Length;
        return complete;
    }

    /// <summary>
    /// The usual field line in two scans instead of three: a token name up to the colon, then a value whose first
    /// CTL is the CR of the line's CRLF (CR and LF are CTLs, so the value check finds the line end). Returns false,
    /// consuming nothing, for anything else (an incomplete line, the empty line, a fault): the line-by-line path
    /// then judges it exactly as it would have.
    /// </summary>
    /// <remarks>Not inlined: inlined, it made the line loop that runs for every request slower (bench/Micro/README.md).</remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool TryParseValidFieldLine(ReadOnlySpan<byte> input, RequestHead head, in Http1Limits limits, out int consumed)
    {
        consumed = 0;
        var limit = LineLimit(head, limits);
        var window = input.Length > limit ? input[..Math.Max(limit, 0)] : input;
        var nameEnd = window.IndexOfAnyExcept(HttpCharacters.Token);
        if (nameEnd <= 0 || window[nameEnd] != HttpCharacters.Colon)
        {
            return false;
        }

        var afterColon = window[(nameEnd + 1)..];
        var valueEnd = afterColon.IndexOfAny(HttpCharacters.InvalidFieldValue);
        if (valueEnd < 0 || afterColon[valueEnd] != HttpCharacters.CR || valueEnd + 1 >= afterColon.Length
            || afterColon[valueEnd + 1] != HttpCharacters.LF)
        {
            return false;
        }

        CheckFieldCount(head, limits);
        var lineLength = nameEnd + 1 + valueEnd;
        head.HeaderBytes += lineLength + 2;
        AddField(head, window[..nameEnd], HttpCharacters.TrimWhitespace(afterColon[..valueEnd]));
        consumed = lineLength + 2;
        return true;
    }

    /// <summary>One field more than the limit is refused before the line itself is judged (431 wins over a bad line).</summary>
    private static void CheckFieldCount(RequestHead head, in Http1Limits limits)
    {
        if (head.Fields.Count >= limits.MaxRequestHeaderCount)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.TooManyHeaders);
        }
    }

    /// <summary>The most bytes the next line may take, CRLF included: the request line's own limit, then what is left of the header budget.</summary>
    private static int LineLimit(RequestHead head, in Http1Limits limits) =>
        head.RequestLineDone ? limits.MaxRequestHeadersSize - head.HeaderBytes : limits.MaxRequestLineSize + 2;

    private static RequestRejection LineTooLong(RequestHead head) =>
        head.RequestLineDone ? RequestRejection.HeadersTooLarge : RequestRejection.RequestLineTooLong;

    /// <summary>
    /// One complete line: empty lines before the request line are ignored (RFC 9112 §2.2), then the request line,
    /// then field lines until the empty line that completes the head (returns true).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static bool ParseLine(ReadOnlySpan<byte> line, RequestHead head, in Http1Limits limits)
    {
        if (!head.RequestLineDone)
        {
            if (!line.IsEmpty)
            {
                ParseRequestLine(line, head);
                head.RequestLineDone = true;
            }

            return false;
        }

        head.HeaderBytes += line.Length + 2;
        if (line.IsEmpty)
        {
            CompleteHead(head, limits);
            return true;
        }

        CheckFieldCount(head, limits);
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
        // A valid line's first byte that is not a token byte is the colon: one scan checks the name and finds it.
        var nameEnd = line.IndexOfAnyExcept(HttpCharacters.Token);
        if (nameEnd <= 0 || line[nameEnd] != HttpCharacters.Colon)
        {
            ThrowInvalidFieldLine(line);
        }

        name = line[..nameEnd];
        value = HttpCharacters.TrimWhitespace(line[(nameEnd + 1)..]);
        if (value.ContainsAny(HttpCharacters.InvalidFieldValue))
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidHeaderValue);
        }
    }

    /// <summary>Names the fault of a field line whose name is not a token followed by a colon.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowInvalidFieldLine(ReadOnlySpan<byte> line)
    {
        // RFC 9112 §5.2: obs-fold is rejected with 400 (we do not unfold); a line starting with whitespace
        // right after the request line (§2.2) gets the same answer. Any other fault is in the name (§5.1: no
        // whitespace between the name and the colon, either).
        ThrowHelper.ThrowBadRequest(HttpCharacters.IsWhitespace(line[0])
            ? RequestRejection.ObsoleteLineFolding
            : RequestRejection.InvalidHeaderName);
    }
}
