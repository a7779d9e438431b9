using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using AsgiBridge.Http1;

namespace AsgiBridge.Proxy;

/// <summary>
/// The ways a forwarding header names a hop: an <c>X-Forwarded-For</c> entry (<c>ip</c>, <c>ip:port</c>,
/// <c>[ipv6]</c>, <c>[ipv6]:port</c>, or a bare IPv6 address as nginx writes it) and an RFC 7239 §6 node
/// (<c>for=</c>). Parsing is strict, because a trusted hop is skipped: IPv4 only as a dotted quad (no shorthand,
/// hex or leading zeros, which <see cref="IPAddress.TryParse(string, out IPAddress)"/> would read as other
/// addresses), no zone (<c>fe80::1%eth0</c> names an interface, not a host), ports 0–65535.
/// </summary>
internal static class ForwardedAddress
{
    /// <summary>What an RFC 7239 node names.</summary>
    public enum NodeKind
    {
        /// <summary>Not a node (RFC 7239 §6): the element saying it is invalid.</summary>
        Invalid,

        /// <summary>An IPv4 or bracketed IPv6 address.</summary>
        Address,

        /// <summary><c>unknown</c> or an obfuscated identifier (<c>_hidden</c>): a hop that chose not to say (§6.2, §6.3).</summary>
        Hidden,
    }

    /// <summary>The longest IPv6 text form (an IPv4-mapped address written out in full).</summary>
    private const int MaxIPv6Length = 45;

    /// <summary>The characters of an obfuscated identifier after its "_" (RFC 7239 §6.3).</summary>
    private static readonly SearchValues<byte> s_obfuscatedChar =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"u8);

    /// <summary>Parses an X-Forwarded-For entry; <paramref name="port"/> is 0 when the entry has none.</summary>
    public static bool TryParseEntry(ReadOnlySpan<byte> entry, [NotNullWhen(true)] out IPAddress? address, out int port)
    {
        address = null;
        port = 0;
        if (entry.IsEmpty)
        {
            return false;
        }

        if (entry[0] == (byte)'[')
        {
            var close = entry.IndexOf((byte)']');
            if (close < 0 || !TryParseOptionalPort(entry[(close + 1)..], out port))
            {
                return false;
            }

            return TryParseIPv6(entry[1..close], out address);
        }

        var colon = entry.IndexOf(HttpCharacters.Colon);
        if (colon < 0)
        {
            return TryParseIPv4(entry, out address);
        }

        if (entry[(colon + 1)..].Contains(HttpCharacters.Colon))
        {
            // Two colons or more: a bare IPv6 address, which cannot carry a port without brackets.
            return TryParseIPv6(entry, out address);
        }

        return TryParsePort(entry[(colon + 1)..], out port) && TryParseIPv4(entry[..colon], out address);
    }

    /// <summary>
    /// Parses an RFC 7239 §6 node: <c>nodename [ ":" node-port ]</c>, where nodename is an IPv4 address, a
    /// bracketed IPv6 address, <c>unknown</c> or an obfuscated identifier, and node-port a port or an obfuscated
    /// identifier (then <paramref name="port"/> is 0).
    /// </summary>
    public static NodeKind ParseNode(ReadOnlySpan<byte> node, out IPAddress? address, out int port)
    {
        address = null;
        port = 0;
        ReadOnlySpan<byte> name;
        ReadOnlySpan<byte> rest;
        if (!node.IsEmpty && node[0] == (byte)'[')
        {
            var close = node.IndexOf((byte)']');
            if (close < 0)
            {
                return NodeKind.Invalid;
            }

            name = node[..(close + 1)];
            rest = node[(close + 1)..];
        }
        else
        {
            var colon = node.IndexOf(HttpCharacters.Colon);
            name = colon < 0 ? node : node[..colon];
            rest = colon < 0 ? default : node[colon..];
        }

        if (!rest.IsEmpty && (rest[0] != HttpCharacters.Colon || (!IsObfuscated(rest[1..]) && !TryParsePort(rest[1..], out port))))
        {
            return NodeKind.Invalid;
        }

        if (!name.IsEmpty && name[0] == (byte)'[')
        {
            return TryParseIPv6(name[1..^1], out address) ? NodeKind.Address : NodeKind.Invalid;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(name, "unknown"u8) || IsObfuscated(name))
        {
            port = 0;
            return NodeKind.Hidden;
        }

        return TryParseIPv4(name, out address) ? NodeKind.Address : NodeKind.Invalid;
    }

    /// <summary>The text an ASGI <c>client</c> carries: IPv4-mapped IPv6 addresses in their IPv4 form, as for the TCP peer.</summary>
    public static string Format(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();

    /// <summary>IPv4address (RFC 3986 §3.2.2): four decimal octets, none with a leading zero.</summary>
    private static bool TryParseIPv4(ReadOnlySpan<byte> text, [NotNullWhen(true)] out IPAddress? address)
    {
        Span<byte> octets = stackalloc byte[4];
        if (!TryReadIPv4(text, octets))
        {
            address = null;
            return false;
        }

        address = new IPAddress(octets);
        return true;
    }

    private static bool TryReadIPv4(ReadOnlySpan<byte> text, Span<byte> octets)
    {
        var i = 0;
        for (var part = 0; part < 4; part++)
        {
            if (part > 0)
            {
                if (i >= text.Length || text[i] != (byte)'.')
                {
                    return false;
                }

                i++;
            }

            var start = i;
            var value = 0;
            while (i < text.Length && i - start < 4 && char.IsAsciiDigit((char)text[i]))
            {
                value = (value * 10) + (text[i] - '0');
                i++;
            }

            var digits = i - start;
            if (digits is 0 or > 3 || value > 255 || (digits > 1 && text[start] == (byte)'0'))
            {
                return false;
            }

            octets[part] = (byte)value;
        }

        return i == text.Length;
    }

    /// <summary>IPv6address (RFC 4291 §2.2): hex digits, colons, and a dotted-quad tail; no zone.</summary>
    private static bool TryParseIPv6(ReadOnlySpan<byte> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.Length is < 2 or > MaxIPv6Length || !text.Contains(HttpCharacters.Colon) || text.ContainsAnyExcept(HttpCharacters.Ipv6Char))
        {
            return false;
        }

        // An embedded IPv4 address must be a dotted quad too (IPAddress accepts shorter forms there).
        var tail = text[(text.LastIndexOf(HttpCharacters.Colon) + 1)..];
        Span<byte> octets = stackalloc byte[4];
        if (tail.Contains((byte)'.') && !TryReadIPv4(tail, octets))
        {
            return false;
        }

        Span<char> chars = stackalloc char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        if (!IPAddress.TryParse(chars, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static bool TryParseOptionalPort(ReadOnlySpan<byte> rest, out int port)
    {
        port = 0;
        return rest.IsEmpty || (rest[0] == HttpCharacters.Colon && TryParsePort(rest[1..], out port));
    }

    /// <summary>port = 1*5DIGIT within 0–65535.</summary>
    private static bool TryParsePort(ReadOnlySpan<byte> text, out int port)
    {
        port = 0;
        if (text.Length is 0 or > 5 || text.ContainsAnyExcept(HttpCharacters.Digit))
        {
            return false;
        }

        var value = 0;
        foreach (var digit in text)
        {
            value = (value * 10) + (digit - '0');
        }

        if (value > ushort.MaxValue)
        {
            return false;
        }

        port = value;
        return true;
    }

    /// <summary>obfnode / obfport (RFC 7239 §6.3): "_" 1*( ALPHA / DIGIT / "." / "_" / "-" ).</summary>
    private static bool IsObfuscated(ReadOnlySpan<byte> text) =>
        text.Length > 1 && text[0] == (byte)'_' && !text[1..].ContainsAnyExcept(s_obfuscatedChar);
}
