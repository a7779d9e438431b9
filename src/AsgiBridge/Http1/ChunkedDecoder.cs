using System.Buffers;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.Http1;

/// <summary>
/// Resumable decoder for the chunked transfer coding (RFC 9112 §7.1): chunk-size lines with extensions, chunk
/// data and its CRLF, the last chunk and the trailer section. Only complete lines are judged, so the outcome does
/// not depend on how the bytes were split. One instance per connection, reset per request.
/// </summary>
internal sealed class ChunkedDecoder
{
    private const int MaxChunkSizeDigits = 16;
    private const int MaxChunkLineLength = 4096;

    private enum State : byte
    {
        SizeLine,
        Data,
        DataCrlf,
        Trailers,
        Done,
    }

    private State _state;
    private long _chunkRemaining;
    private int _trailerBytes;
    private int _trailerCount;
    private byte[] _scratch = [];

    public bool IsDone => _state == State.Done;

    public void Reset()
    {
        _state = State.SizeLine;
        _chunkRemaining = 0;
        _trailerBytes = 0;
        _trailerCount = 0;
    }

    /// <summary>
    /// Decodes from <paramref name="reader"/> until chunk data is available, the body is complete, or more input
    /// is needed. Returns the data found (possibly empty); the reader is advanced past everything consumed.
    /// </summary>
    /// <param name="reader">The input.</param>
    /// <param name="maxData">The most data bytes to return.</param>
    /// <param name="headerBudget">Bytes of the header limit left for the trailer section.</param>
    /// <param name="fieldBudget">Header fields left for the trailer section.</param>
    public ReadOnlySequence<byte> Decode(ref SequenceReader<byte> reader, int maxData, int headerBudget, int fieldBudget)
    {
        while (true)
        {
            switch (_state)
            {
                case State.SizeLine:
                    if (!LineReader.TryReadLine(ref reader, MaxChunkLineLength, RequestRejection.ChunkLineTooLong, ref _scratch, out var line))
                    {
                        return default;
                    }

                    _chunkRemaining = ParseChunkSizeLine(line);
                    _state = _chunkRemaining == 0 ? State.Trailers : State.Data;
                    break;

                case State.Data:
                    if (reader.End)
                    {
                        return default;
                    }

                    var take = (int)Math.Min(Math.Min(_chunkRemaining, reader.Remaining), maxData);
                    var data = reader.UnreadSequence.Slice(0, take);
                    reader.Advance(take);
                    _chunkRemaining -= take;
                    if (_chunkRemaining == 0)
                    {
                        _state = State.DataCrlf;
                    }

                    return data;

                case State.DataCrlf:
                    if (reader.Remaining < 2)
                    {
                        if (!reader.End && !reader.IsNext(HttpCharacters.CR))
                        {
                            ThrowHelper.ThrowBadRequest(RequestRejection.MissingChunkTerminator);
                        }

                        return default;
                    }

                    if (!reader.IsNext("\r\n"u8, advancePast: true))
                    {
                        ThrowHelper.ThrowBadRequest(RequestRejection.MissingChunkTerminator);
                    }

                    _state = State.SizeLine;
                    break;

                case State.Trailers:
                    if (!LineReader.TryReadLine(ref reader, headerBudget - _trailerBytes, RequestRejection.HeadersTooLarge, ref _scratch, out var trailer))
                    {
                        return default;
                    }

                    _trailerBytes += trailer.Length + 2;
                    if (trailer.IsEmpty)
                    {
                        _state = State.Done;
                        return default;
                    }

                    if (++_trailerCount > fieldBudget)
                    {
                        ThrowHelper.ThrowBadRequest(RequestRejection.TooManyHeaders);
                    }

                    // Trailer fields follow the header rules but are not added to the request's headers.
                    RequestHeadParser.ParseFieldLine(trailer, out _, out _);
                    break;

                default:
                    return default;
            }
        }
    }

    /// <summary>chunk-size = 1*HEXDIG, then chunk-ext (RFC 9112 §7.1).</summary>
    private static long ParseChunkSizeLine(ReadOnlySpan<byte> line)
    {
        var digits = line.IndexOfAnyExcept(HttpCharacters.HexDigit);
        if (digits < 0)
        {
            digits = line.Length;
        }

        if (digits == 0 || digits > MaxChunkSizeDigits)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidChunkSize);
        }

        ulong size = 0;
        foreach (var b in line[..digits])
        {
            size = (size << 4) | (uint)HexValue(b);
        }

        if (size > long.MaxValue)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidChunkSize);
        }

        var rest = line[digits..];
        if (!rest.IsEmpty)
        {
            var trimmed = rest.TrimStart(" \t"u8);
            if (trimmed.IsEmpty || trimmed[0] != (byte)';')
            {
                // Whitespace or garbage after the size with no extension: RFC 9112 §7.1 grammar violation.
                ThrowHelper.ThrowBadRequest(RequestRejection.InvalidChunkSize);
            }

            ValidateExtensions(rest);
        }

        return (long)size;
    }

    /// <summary>
    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1), where
    /// chunk-ext-name is a token and chunk-ext-val a token or quoted-string (RFC 9110 §5.6.2, §5.6.4). BWS is
    /// allowed only before ";" and around "=": whitespace after the last name or value, before CRLF, matches
    /// nothing in the grammar and is rejected (<c>5;a=1 </c>). Bare CR and LF never get here (LineReader), and a
    /// CTL other than HTAB is neither whitespace, token nor quoted text. The line is complete, so the answer does
    /// not depend on how it arrived.
    /// </summary>
    private static void ValidateExtensions(ReadOnlySpan<byte> extensions)
    {
        var i = 0;
        while (i < extensions.Length)
        {
            i = SkipWhitespace(extensions, i);
            if (i == extensions.Length || extensions[i] != (byte)';')
            {
                ThrowHelper.ThrowBadRequest(RequestRejection.InvalidChunkExtension);
            }

            i = RequireToken(extensions, SkipWhitespace(extensions, i + 1));
            var equals = SkipWhitespace(extensions, i);
            if (equals < extensions.Length && extensions[equals] == (byte)'=')
            {
                var value = SkipWhitespace(extensions, equals + 1);
                i = value < extensions.Length && extensions[value] == (byte)'"'
                    ? SkipQuotedString(extensions, value)
                    : RequireToken(extensions, value);
            }
        }
    }

    private static int RequireToken(ReadOnlySpan<byte> span, int start)
    {
        var length = TokenLength(span[start..]);
        if (length == 0)
        {
            ThrowHelper.ThrowBadRequest(RequestRejection.InvalidChunkExtension);
        }

        return start + length;
    }

    /// <summary>
    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
    /// (RFC 9110 §5.6.4). Returns the index after the closing quote.
    /// </summary>
    private static int SkipQuotedString(ReadOnlySpan<byte> span, int start)
    {
        var i = start + 1;
        while (i < span.Length)
        {
            var b = span[i];
            if (b == (byte)'"')
            {
                return i + 1;
            }

            if (b == (byte)'\\')
            {
                i++;
                if (i >= span.Length || !HttpCharacters.QuotedText.Contains(span[i]))
                {
                    break;
                }
            }
            else if (!HttpCharacters.QuotedText.Contains(b))
            {
                break;
            }

            i++;
        }

        ThrowHelper.ThrowBadRequest(RequestRejection.InvalidChunkExtension);
        return 0;
    }

    private static int TokenLength(ReadOnlySpan<byte> span)
    {
        var end = span.IndexOfAnyExcept(HttpCharacters.Token);
        return end < 0 ? span.Length : end;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> span, int i)
    {
        while (i < span.Length && HttpCharacters.IsWhitespace(span[i]))
        {
            i++;
        }

        return i;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => b - 'A' + 10,
    };
}
