using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.Proxy;

/// <summary>
/// The RFC 7239 <c>Forwarded</c> syntax (§4): <c>Forwarded = 1#forwarded-element</c>,
/// <c>forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )</c>, <c>forwarded-pair = token "=" value</c>,
/// <c>value = token / quoted-string</c>. Every line is parsed whole, so one syntax error anywhere rejects the
/// header (docs/proxies.md: the X-Forwarded-* headers are then used). Whitespace is allowed around <c>,</c> (the
/// list rule, RFC 9110 §5.6.1) and <c>;</c>, not around <c>=</c>. Only the right-most elements are kept: the walk
/// never looks further than <see cref="ForwardedHeaders.MaxHops"/> hops.
/// </summary>
internal static class ForwardedHeaderParser
{
    /// <summary>An element with more parameters than this is invalid (the four of RFC 7239 and a few extensions).</summary>
    private const int MaxParameters = 16;

    /// <summary>
    /// Parses every <c>Forwarded</c> line in order. The right-most <c>last.Length</c> elements end up in
    /// <paramref name="last"/>, element <c>n</c> (counted from the left, all lines together) at
    /// <c>n % last.Length</c>. Returns false on a syntax error.
    /// </summary>
    public static bool TryParse(HeaderLines lines, Span<ForwardedElement> last, out int count)
    {
        count = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines.IsNamed(i, "forwarded"u8) && !TryParseLine(lines.Data, lines.ValueStart(i), lines.Value(i).Length, last, ref count))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A value's text: a slice of <paramref name="data"/>, or its quoted-pairs undone into <paramref name="scratch"/> (false when that is too small).</summary>
    public static bool TryRead(ForwardedValue value, ReadOnlySpan<byte> data, Span<byte> scratch, out ReadOnlySpan<byte> text)
    {
        var raw = data.Slice(value.Start, value.Length);
        if (!value.Escaped)
        {
            text = raw;
            return true;
        }

        if (raw.Length > scratch.Length)
        {
            text = default;
            return false;
        }

        text = scratch[..Unescape(raw, scratch)];
        return true;
    }

    /// <summary>A value's text in an array of its own (for a value that outlives the parse).</summary>
    public static byte[] ReadToArray(ForwardedValue value, ReadOnlySpan<byte> data)
    {
        var raw = data.Slice(value.Start, value.Length);
        if (!value.Escaped)
        {
            return raw.ToArray();
        }

        var buffer = new byte[raw.Length];
        Array.Resize(ref buffer, Unescape(raw, buffer));
        return buffer;
    }

    private static bool TryParseLine(ReadOnlySpan<byte> data, int lineStart, int lineLength, Span<ForwardedElement> last, ref int count)
    {
        var line = data.Slice(lineStart, lineLength);
        Span<Range> names = stackalloc Range[MaxParameters];
        var i = 0;
        while (true)
        {
            i = SkipWhitespace(line, i);
            if (i == line.Length)
            {
                return true;
            }

            if (line[i] == (byte)',')
            {
                // An empty list element (RFC 9110 §5.6.1), or the comma after an element.
                i++;
                continue;
            }

            var element = default(ForwardedElement);
            var parameters = 0;
            while (true)
            {
                i = SkipWhitespace(line, i);
                if (i == line.Length || line[i] == (byte)',')
                {
                    break;
                }

                if (line[i] == (byte)';')
                {
                    i++;
                    continue;
                }

                var nameStart = i;
                i = SkipToken(line, i);
                if (i == nameStart || i == line.Length || line[i] != (byte)'=')
                {
                    return false;
                }

                var nameEnd = i++;
                ForwardedValue value;
                if (i < line.Length && line[i] == (byte)'"')
                {
                    if (!TryReadQuoted(line, ref i, out var quotedStart, out var quotedLength, out var escaped))
                    {
                        return false;
                    }

                    value = new ForwardedValue(lineStart + quotedStart, quotedLength, escaped, Present: true);
                }
                else
                {
                    var valueStart = i;
                    i = SkipToken(line, i);
                    if (i == valueStart)
                    {
                        return false;
                    }

                    value = new ForwardedValue(lineStart + valueStart, i - valueStart, Escaped: false, Present: true);
                }

                i = SkipWhitespace(line, i);
                if (i < line.Length && line[i] != (byte)';' && line[i] != (byte)',')
                {
                    return false;
                }

                // RFC 7239 §4: a parameter MUST NOT occur more than once per element. Names are case-insensitive.
                var name = line[nameStart..nameEnd];
                if (parameters == MaxParameters || Repeats(line, names[..parameters], name))
                {
                    element.Invalid = true;
                }
                else
                {
                    names[parameters++] = nameStart..nameEnd;
                }

                Assign(ref element, name, value);
            }

            last[count % last.Length] = element;
            count++;
        }
    }

    private static void Assign(ref ForwardedElement element, ReadOnlySpan<byte> name, ForwardedValue value)
    {
        if (Ascii.EqualsIgnoreCase(name, "for"u8))
        {
            element.For = value;
        }
        else if (Ascii.EqualsIgnoreCase(name, "proto"u8))
        {
            element.Proto = value;
        }
        else if (Ascii.EqualsIgnoreCase(name, "host"u8))
        {
            element.Host = value;
        }

        // by= and extension parameters (§5.5) are only checked for repeats.
    }

    private static bool Repeats(ReadOnlySpan<byte> line, ReadOnlySpan<Range> earlier, ReadOnlySpan<byte> name)
    {
        foreach (var range in earlier)
        {
            if (Ascii.EqualsIgnoreCase(line[range], name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// quoted-string (RFC 9110 §5.6.4): <paramref name="i"/> is at the opening quote and ends after the closing
    /// one; the inside is returned as a range of <paramref name="line"/>.
    /// </summary>
    private static bool TryReadQuoted(ReadOnlySpan<byte> line, ref int i, out int start, out int length, out bool escaped)
    {
        escaped = false;
        start = i + 1;
        for (var j = start; j < line.Length; j++)
        {
            var b = line[j];
            if (b == (byte)'"')
            {
                length = j - start;
                i = j + 1;
                return true;
            }

            if (b == (byte)'\\')
            {
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                if (++j == line.Length || !HttpCharacters.QuotedText.Contains(line[j]))
                {
                    break;
                }

                escaped = true;
            }
            else if (!HttpCharacters.QuotedText.Contains(b))
            {
                break;
            }
        }

        length = 0;
        return false;
    }

    private static int Unescape(ReadOnlySpan<byte> quoted, Span<byte> destination)
    {
        var length = 0;
        for (var j = 0; j < quoted.Length; j++)
        {
            if (quoted[j] == (byte)'\\')
            {
                j++; // The parser has checked that a character follows.
            }

            destination[length++] = quoted[j];
        }

        return length;
    }

    private static int SkipToken(ReadOnlySpan<byte> line, int i)
    {
        var end = line[i..].IndexOfAnyExcept(HttpCharacters.Token);
        return end < 0 ? line.Length : i + end;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && HttpCharacters.IsWhitespace(line[i]))
        {
            i++;
        }

        return i;
    }
}
