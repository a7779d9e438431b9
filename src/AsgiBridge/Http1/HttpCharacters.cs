using System.Buffers;

namespace AsgiBridge.Http1;

/// <summary>The byte classes of RFC 9110/9112 and RFC 3986 that the parsers check, as <see cref="SearchValues{T}"/>.</summary>
internal static class HttpCharacters
{
    public const byte CR = (byte)'\r';
    public const byte LF = (byte)'\n';
    public const byte SP = (byte)' ';
    public const byte HTAB = (byte)'\t';
    public const byte Colon = (byte)':';

    private const string Digits = "0123456789";
    private const string Alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>tchar (RFC 9110 §5.6.2).</summary>
    public static readonly SearchValues<byte> Token = SearchValues.Create(ToBytes("!#$%&'*+-.^_`|~" + Digits + Alpha));

    /// <summary>Bytes not allowed in a field value: CTLs except HTAB, and DEL (RFC 9110 §5.5). obs-text is allowed.</summary>
    public static readonly SearchValues<byte> InvalidFieldValue = SearchValues.Create(InvalidFieldValueBytes());

    /// <summary>Bytes allowed in a request target: visible ASCII (CTL, DEL, SP and bytes >= 0x80 are refused).</summary>
    public static readonly SearchValues<byte> TargetChar = SearchValues.Create(Range(0x21, 0x7E));

    /// <summary>reg-name bytes besides pct-encoded: unreserved and sub-delims (RFC 3986 §3.2.2).</summary>
    public static readonly SearchValues<byte> RegName = SearchValues.Create(ToBytes("-._~!$&'()*+,;=" + Digits + Alpha));

    /// <summary>Bytes inside an IP-literal's brackets: IPv6 and IPvFuture (RFC 3986 §3.2.2).</summary>
    public static readonly SearchValues<byte> IpLiteral = SearchValues.Create(ToBytes("-._~!$&'()*+,;=:" + Digits + Alpha));

    /// <summary>Bytes of an IPv6 address in text form (hex digits, ':' and '.' for an embedded IPv4).</summary>
    public static readonly SearchValues<byte> Ipv6Char = SearchValues.Create(ToBytes(":." + Digits + "ABCDEFabcdef"));

    public static readonly SearchValues<byte> HexDigit = SearchValues.Create(ToBytes(Digits + "ABCDEFabcdef"));

    public static readonly SearchValues<byte> Digit = SearchValues.Create(ToBytes(Digits));

    /// <summary>qdtext and quoted-pair content (RFC 9110 §5.6.4): HTAB, SP, visible ASCII and obs-text.</summary>
    public static readonly SearchValues<byte> QuotedText = SearchValues.Create([HTAB, .. Range(0x20, 0x7E), .. Range(0x80, 0xFF)]);

    public static bool IsToken(ReadOnlySpan<byte> span) => !span.IsEmpty && !span.ContainsAnyExcept(Token);

    public static bool IsWhitespace(byte b) => b is SP or HTAB;

    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> span)
    {
        var start = 0;
        while (start < span.Length && IsWhitespace(span[start]))
        {
            start++;
        }

        var end = span.Length;
        while (end > start && IsWhitespace(span[end - 1]))
        {
            end--;
        }

        return span[start..end];
    }

    /// <summary>Whether a comma-separated list of tokens contains <paramref name="token"/>, ignoring ASCII case.</summary>
    public static bool ContainsToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (var range in list.Split((byte)','))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(TrimWhitespace(list[range]), token))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] ToBytes(string chars)
    {
        var bytes = new byte[chars.Length];
        for (var i = 0; i < chars.Length; i++)
        {
            bytes[i] = (byte)chars[i];
        }

        return bytes;
    }

    private static byte[] Range(int first, int last)
    {
        var bytes = new byte[last - first + 1];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(first + i);
        }

        return bytes;
    }

    private static byte[] InvalidFieldValueBytes()
    {
        var bytes = new List<byte>();
        for (var b = 0; b < 0x20; b++)
        {
            if (b != HTAB)
            {
                bytes.Add((byte)b);
            }
        }

        bytes.Add(0x7F);
        return [.. bytes];
    }
}
