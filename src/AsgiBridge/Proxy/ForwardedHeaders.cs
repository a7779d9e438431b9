using System.Buffers.Binary;
using System.Net;
using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.Proxy;

/// <summary>
/// Decides what a trusted peer's forwarding headers change in a scope (the rules: docs/proxies.md). RFC 7239
/// <c>Forwarded</c> wins over <c>X-Forwarded-For</c> / <c>-Proto</c> / <c>-Host</c> when it parses; either chain is
/// walked right to left, skipping trusted proxies, and the first hop that is not one is the client. Nothing here
/// throws on bad input or allocates when no forwarding header is present: a request from the trusted loopback
/// without one costs a scan of its header names.
/// </summary>
internal static class ForwardedHeaders
{
    /// <summary>The most hops a walk examines; a longer chain of trusted proxies keeps the immediate peer.</summary>
    public const int MaxHops = 64;

    /// <summary>The longest <c>for=</c> or <c>proto=</c> value undone from a quoted-string; a node is far shorter.</summary>
    private const int MaxQuotedValue = 128;

    /// <summary>The lengths of the names looked for, as bits: 9 (forwarded), 15 to 18 (x-forwarded-for ... -prefix).</summary>
    private const uint NameLengths = (1u << 9) | (1u << 15) | (1u << 16) | (1u << 17) | (1u << 18);

    private const int HasForwarded = 1;
    private const int HasFor = 2;
    private const int HasProto = 4;
    private const int HasHost = 8;
    private const int HasPrefix = 16;

    /// <summary>"x-forwar" and "forwarde" as little-endian integers: the first eight bytes of the names looked for.</summary>
    private static readonly ulong XForwardedStart = BinaryPrimitives.ReadUInt64LittleEndian("x-forwar"u8);

    private static readonly ulong ForwardedStart = BinaryPrimitives.ReadUInt64LittleEndian("forwarde"u8);

    private static ReadOnlySpan<byte> ForwardedName => "forwarded"u8;

    private static ReadOnlySpan<byte> ForName => "x-forwarded-for"u8;

    private static ReadOnlySpan<byte> ProtoName => "x-forwarded-proto"u8;

    private static ReadOnlySpan<byte> HostName => "x-forwarded-host"u8;

    private static ReadOnlySpan<byte> PrefixName => "x-forwarded-prefix"u8;

    /// <summary>What the headers change; false when they change nothing (or there are none).</summary>
    public static bool TryResolve(HeaderLines lines, ForwardingPolicy policy, out ForwardedResult result)
    {
        result = default;
        var present = MatchNames(lines);
        if (present == 0)
        {
            return false;
        }

        if ((present & HasForwarded) == 0 || !TryUseForwarded(lines, policy, ref result))
        {
            UseXForwarded(lines, policy, present, ref result);
        }

        // X-Forwarded-Prefix has no Forwarded parameter: it applies whichever chain was used.
        if (policy.ForwardedPrefix && (present & HasPrefix) != 0 && TryGetSingle(lines, PrefixName, out var value)
            && ForwardedPrefix.TryNormalize(value, out var prefix))
        {
            result.Prefix = prefix;
        }

        return result.ChangesScope;
    }

    /// <summary>
    /// Whether the request may have a forwarding header: false for most, and every request from a trusted peer asks,
    /// so names are ruled out as cheaply as possible (by length, one bit test, then by their first eight bytes), and
    /// without the frame <see cref="TryResolve"/> needs. True means <see cref="TryResolve"/> should look.
    /// </summary>
    public static bool MayBePresent(ReadOnlySpan<byte> data, ReadOnlySpan<RequestHead.Field> fields)
    {
        foreach (var field in fields)
        {
            // The shift count is taken modulo 32: a longer name may pass this test, and the next one rules it out.
            if (((NameLengths >> field.NameLength) & 1) != 0)
            {
                var first8 = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(field.NameStart, field.NameLength));
                if (first8 == XForwardedStart || first8 == ForwardedStart)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Which forwarding headers the request has, by their exact names.</summary>
    private static int MatchNames(HeaderLines lines)
    {
        var present = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            present |= lines.Name(i) switch
            {
                var name when name.SequenceEqual(ForName) => HasFor,
                var name when name.SequenceEqual(HostName) => HasHost,
                var name when name.SequenceEqual(ProtoName) => HasProto,
                var name when name.SequenceEqual(PrefixName) => HasPrefix,
                var name when name.SequenceEqual(ForwardedName) => HasForwarded,
                _ => 0,
            };
        }

        return present;
    }

    /// <summary>
    /// The RFC 7239 chain. False when the header does not parse (or has no element): the X-Forwarded-* headers are
    /// then used instead. Otherwise the walk stops at the first element that is not a trusted address: an untrusted
    /// address is the client; <c>unknown</c>, an obfuscated node or a missing <c>for=</c> keeps the immediate peer but
    /// its <c>proto=</c> and <c>host=</c> still count; an invalid element yields nothing.
    /// </summary>
    private static bool TryUseForwarded(HeaderLines lines, ForwardingPolicy policy, ref ForwardedResult result)
    {
        Span<ForwardedElement> last = stackalloc ForwardedElement[MaxHops];
        if (!ForwardedHeaderParser.TryParse(lines, last, out var count) || count == 0)
        {
            return false;
        }

        var data = lines.Data;
        Span<byte> scratch = stackalloc byte[MaxQuotedValue];
        for (var hop = 0; hop < Math.Min(count, MaxHops); hop++)
        {
            var element = last[(count - 1 - hop) % MaxHops];
            if (element.Invalid)
            {
                return true;
            }

            if (element.For.Present)
            {
                if (!ForwardedHeaderParser.TryRead(element.For, data, scratch, out var node))
                {
                    return true;
                }

                var kind = ForwardedAddress.ParseNode(node, out var address, out var port);
                if (kind == ForwardedAddress.NodeKind.Invalid)
                {
                    return true;
                }

                if (kind == ForwardedAddress.NodeKind.Address)
                {
                    // A trusted proxy is skipped, unless it is the left-most hop: then it is the client.
                    if (policy.AllowList.IsTrusted(address!) && hop < count - 1)
                    {
                        continue;
                    }

                    result.Client = new AsgiEndpoint(ForwardedAddress.Format(address!), port);
                }
            }

            if (element.Proto.Present && ForwardedHeaderParser.TryRead(element.Proto, data, scratch, out var proto))
            {
                result.Secure = ParseProto(proto);
            }

            if (policy.ForwardedHost && element.Host.Present)
            {
                var host = ForwardedHeaderParser.ReadToArray(element.Host, data);
                if (IsValidHost(host))
                {
                    result.Host = host;
                }
            }

            return true;
        }

        // More trusted hops than a walk examines: keep the immediate peer.
        return true;
    }

    /// <summary>The X-Forwarded-For chain, with the X-Forwarded-Proto and -Host entries paired with the hop it stopped at.</summary>
    private static void UseXForwarded(HeaderLines lines, ForwardingPolicy policy, int present, ref ForwardedResult result)
    {
        var forwardedFor = new HeaderList(lines, ForName);
        var hop = -1;
        if ((present & HasFor) != 0)
        {
            hop = WalkForwardedFor(forwardedFor, policy.AllowList, out var address, out var port);
            if (address is not null)
            {
                result.Client = new AsgiEndpoint(ForwardedAddress.Format(address), port);
            }
        }

        var hops = -1;
        if ((present & HasProto) != 0 && TryGetPaired(new HeaderList(lines, ProtoName), forwardedFor, hop, ref hops, out var proto))
        {
            result.Secure = ParseProto(proto);
        }

        if (policy.ForwardedHost && (present & HasHost) != 0 && TryGetPaired(new HeaderList(lines, HostName), forwardedFor, hop, ref hops, out var host)
            && IsValidHost(host))
        {
            result.Host = host;
        }
    }

    /// <summary>
    /// Walks X-Forwarded-For right to left. Returns the hop the walk stopped at, counted from the right, or -1 when
    /// it stopped at none (no entries, or more than <see cref="MaxHops"/> trusted ones). <paramref name="client"/>
    /// is the first untrusted address, or the left-most when all are trusted; null when the walk met an entry that
    /// is not an address (<c>unknown</c>, an obfuscated name, garbage): the immediate peer is kept.
    /// </summary>
    private static int WalkForwardedFor(HeaderList forwardedFor, ForwardedAllowList allowList, out IPAddress? client, out int port)
    {
        client = null;
        port = 0;
        var hop = 0;
        IPAddress? leftMost = null;
        var leftMostPort = 0;
        foreach (var entry in forwardedFor)
        {
            if (hop == MaxHops)
            {
                return -1;
            }

            if (!ForwardedAddress.TryParseEntry(entry, out var address, out var entryPort))
            {
                return hop;
            }

            if (!allowList.IsTrusted(address))
            {
                client = address;
                port = entryPort;
                return hop;
            }

            leftMost = address;
            leftMostPort = entryPort;
            hop++;
        }

        client = leftMost;
        port = leftMostPort;
        return hop - 1;
    }

    /// <summary>
    /// The entry of <paramref name="list"/> paired with <paramref name="hop"/> when it has as many entries as
    /// X-Forwarded-For (each proxy appends one to both), else its right-most entry (the nearest proxy's).
    /// </summary>
    private static bool TryGetPaired(HeaderList list, HeaderList forwardedFor, int hop, scoped ref int hops, out ReadOnlySpan<byte> entry)
    {
        if (hop >= 0)
        {
            if (hops < 0)
            {
                hops = forwardedFor.Count();
            }

            if (list.Count() == hops)
            {
                return list.TryGetFromRight(hop, out entry);
            }
        }

        return list.TryGetFromRight(0, out entry);
    }

    /// <summary>The value of a header that must come once; false when it is absent or repeated (which is ambiguous).</summary>
    private static bool TryGetSingle(HeaderLines lines, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        var found = false;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines.IsNamed(i, name))
            {
                if (found)
                {
                    value = default;
                    return false;
                }

                value = lines.Value(i);
                found = true;
            }
        }

        return found;
    }

    /// <summary>http and ws are plain, https and wss secure (any case); anything else leaves the scheme alone.</summary>
    private static bool? ParseProto(ReadOnlySpan<byte> proto)
    {
        if (Ascii.EqualsIgnoreCase(proto, "https"u8) || Ascii.EqualsIgnoreCase(proto, "wss"u8))
        {
            return true;
        }

        if (Ascii.EqualsIgnoreCase(proto, "http"u8) || Ascii.EqualsIgnoreCase(proto, "ws"u8))
        {
            return false;
        }

        return null;
    }

    /// <summary>A forwarded host passes the check the Host header does (RFC 9110 §7.2), and is not empty.</summary>
    private static bool IsValidHost(ReadOnlySpan<byte> host) => !host.IsEmpty && HostValidator.IsValid(host);
}
