using System.Buffers;

namespace AsgiBridge.Diagnostics;

/// <summary>
/// Turns request bytes into log text that cannot forge log lines or drive a terminal: every byte below 0x20, 0x7F
/// and every byte from 0x80 is written as <c>\xHH</c>. uvicorn's access log once wrote the decoded path as is, so
/// escape sequences and line breaks sent by a client reached the terminal (CVE-2020-7694); the raw bytes, escaped,
/// are what an operator needs to see.
/// </summary>
internal static class LogText
{
    private static readonly SearchValues<byte> s_printable = SearchValues.Create(Printable());

    /// <summary>Longest text a request part is logged with; the rest is cut and marked with <c>...</c>.</summary>
    public const int MaxBytes = 2048;

    /// <summary>The bytes as text, escaped (and cut after <see cref="MaxBytes"/>).</summary>
    public static string Escape(ReadOnlySpan<byte> bytes) => Join(bytes, default, separator: false);

    /// <summary>A request target from its path and query (joined with <c>?</c> when there is a query), escaped.</summary>
    public static string Target(ReadOnlySpan<byte> path, ReadOnlySpan<byte> query) => Join(path, query, separator: !query.IsEmpty);

    private static string Join(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, bool separator)
    {
        var cut = first.Length + second.Length > MaxBytes;
        if (cut)
        {
            first = first[..Math.Min(first.Length, MaxBytes)];
            second = second[..Math.Min(second.Length, MaxBytes - first.Length)];
        }

        var length = EscapedLength(first) + (separator ? 1 : 0) + EscapedLength(second) + (cut ? 3 : 0);
        if (length == 0)
        {
            return "";
        }

        char[]? rented = null;
        var chars = length <= 512 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length)).AsSpan(0, length);
        var written = Write(first, chars);
        if (separator)
        {
            chars[written++] = '?';
        }

        written += Write(second, chars[written..]);
        if (cut)
        {
            "...".CopyTo(chars[written..]);
        }

        var text = new string(chars);
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return text;
    }

    private static int EscapedLength(ReadOnlySpan<byte> bytes)
    {
        var length = bytes.Length;
        var start = 0;
        int next;
        while ((next = bytes[start..].IndexOfAnyExcept(s_printable)) >= 0)
        {
            length += 3;
            start += next + 1;
        }

        return length;
    }

    private static int Write(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        var written = 0;
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and < 0x7F)
            {
                destination[written++] = (char)b;
                continue;
            }

            destination[written++] = '\\';
            destination[written++] = 'x';
            destination[written++] = HexDigit(b >> 4);
            destination[written++] = HexDigit(b & 0xF);
        }

        return written;
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'a' + value - 10);

    private static byte[] Printable()
    {
        var bytes = new byte[0x7F - 0x20];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(0x20 + i);
        }

        return bytes;
    }
}
