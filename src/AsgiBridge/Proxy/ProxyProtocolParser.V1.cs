using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace AsgiBridge.Proxy;

/// <summary>Version 1: one US-ASCII line, <c>PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n</c>.</summary>
internal static partial class ProxyProtocolParser
{
    /// <summary>The longest IPv6 address text: eight groups, or six groups and a dotted IPv4 tail.</summary>
    private const int MaxIPv6Text = 45;

    private static readonly SearchValues<byte> s_ipv6Characters = SearchValues.Create("0123456789abcdefABCDEF:."u8);

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private static OperationStatus ParseV1(ReadOnlySpan<byte> bytes, out int length, out ProxyHeader header, out ProxyProtocolRejection rejection)
    {
        header = default;
        length = 0;
        if (!StartsLike(bytes, V1Prefix))
        {
            return Invalid(ProxyProtocolRejection.NotProxyProtocol, out length, out rejection);
        }

        var window = bytes.Length > V1MaxLength ? bytes[..V1MaxLength] : bytes;
        var lineFeed = window.IndexOf((byte)'\n');
        if (lineFeed < 0)
        {
            rejection = window.Length == V1MaxLength ? ProxyProtocolRejection.V1TooLong : ProxyProtocolRejection.None;
            return window.Length == V1MaxLength ? OperationStatus.InvalidData : OperationStatus.NeedMoreData;
        }

        // The prefix matched, so the LF is past it. A bare LF must not end the line.
        if (window[lineFeed - 1] != (byte)'\r')
        {
            return Invalid(ProxyProtocolRejection.V1BareLineFeed, out length, out rejection);
        }

        rejection = ParseV1Line(window[V1Prefix.Length..(lineFeed - 1)], out header);
        length = lineFeed + 1;
        return rejection == ProxyProtocolRejection.None ? OperationStatus.Done : OperationStatus.InvalidData;
    }

    /// <summary>The line between <c>PROXY </c> and its CRLF.</summary>
    private static ProxyProtocolRejection ParseV1Line(ReadOnlySpan<byte> line, out ProxyHeader header)
    {
        header = default;
        // UNKNOWN: the receiver must ignore the rest of the line and keep the real connection's endpoints.
        if (line.StartsWith("UNKNOWN"u8) && (line.Length == 7 || line[7] == (byte)' '))
        {
            header = new ProxyHeader(1, null, null);
            return ProxyProtocolRejection.None;
        }

        bool ipv6;
        if (line.StartsWith("TCP4 "u8))
        {
            ipv6 = false;
        }
        else if (line.StartsWith("TCP6 "u8))
        {
            ipv6 = true;
        }
        else
        {
            return ProxyProtocolRejection.V1UnknownProtocol;
        }

        var rest = line[5..];
        if (!TakeField(ref rest, out var sourceText) || !TakeField(ref rest, out var destinationText) || !TakeField(ref rest, out var sourcePortText)
            || rest.IsEmpty || rest.Contains((byte)' '))
        {
            return ProxyProtocolRejection.V1InvalidFields;
        }

        if (!TryParseAddress(sourceText, ipv6, out var source) || !TryParseAddress(destinationText, ipv6, out var destination))
        {
            return ProxyProtocolRejection.V1InvalidAddress;
        }

        if (!TryParsePort(sourcePortText, out var sourcePort) || !TryParsePort(rest, out var destinationPort))
        {
            return ProxyProtocolRejection.V1InvalidPort;
        }

        header = new ProxyHeader(1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyProtocolRejection.None;
    }

    /// <summary>The next non-empty field and the single space after it.</summary>
    private static bool TakeField(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        var space = rest.IndexOf((byte)' ');
        field = space > 0 ? rest[..space] : default;
        rest = space > 0 ? rest[(space + 1)..] : rest;
        return space > 0;
    }

    private static bool TryParseAddress(ReadOnlySpan<byte> text, bool ipv6, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (!ipv6)
        {
            Span<byte> octets = stackalloc byte[4];
            if (!TryParseIPv4(text, octets))
            {
                return false;
            }

            address = new IPAddress(octets);
            return true;
        }

        // Hex groups separated by colons, one "::" at most; the parser below holds the rest (at most eight groups,
        // four digits each). A dotted IPv4 tail is what senders write for IPv4-mapped addresses (::ffff:10.0.0.1).
        // No zone (%eth0) and no brackets.
        if (text.Length is < 2 or > MaxIPv6Text || text.ContainsAnyExcept(s_ipv6Characters))
        {
            return false;
        }

        Span<char> chars = stackalloc char[MaxIPv6Text];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        return IPAddress.TryParse(chars[..text.Length], out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
    }

    /// <summary>Exactly four decimal numbers 0–255 separated by single dots, without leading zeros (they could mean octal).</summary>
    private static bool TryParseIPv4(ReadOnlySpan<byte> text, Span<byte> octets)
    {
        var position = 0;
        for (var octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (position >= text.Length || text[position] != (byte)'.')
                {
                    return false;
                }

                position++;
            }

            var start = position;
            var value = 0;
            while (position < text.Length && position - start < 3 && char.IsAsciiDigit((char)text[position]))
            {
                value = (value * 10) + (text[position] - '0');
                position++;
            }

            var digits = position - start;
            if (digits == 0 || value > 255 || (digits > 1 && text[start] == (byte)'0'))
            {
                return false;
            }

            octets[octet] = (byte)value;
        }

        return position == text.Length;
    }

    /// <summary>A decimal 0–65535 without sign or leading zero.</summary>
    private static bool TryParsePort(ReadOnlySpan<byte> text, out int port)
    {
        port = 0;
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == (byte)'0'))
        {
            return false;
        }

        foreach (var b in text)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }

            port = (port * 10) + (b - '0');
        }

        return port <= IPEndPoint.MaxPort;
    }
}
