namespace AsgiBridge.Http1;

/// <summary>
/// The Host / authority grammar: <c>uri-host [ ":" port ]</c> with uri-host an IP-literal, IPv4 address or
/// reg-name (RFC 9110 §7.2, RFC 3986 §3.2.2). An empty value is valid. User information is not.
/// </summary>
internal static class HostValidator
{
    public static bool IsValid(ReadOnlySpan<byte> host)
    {
        if (host.IsEmpty)
        {
            return true;
        }

        // The usual host: reg-name bytes (a name or an IPv4 address), then nothing or ":" and digits. One scan
        // finds where the name ends; anything else (a percent escape, an IP literal, a fault) is judged below.
        var nameEnd = host.IndexOfAnyExcept(HttpCharacters.RegName);
        if (nameEnd < 0)
        {
            return true;
        }

        if (host[nameEnd] == HttpCharacters.Colon && !host[(nameEnd + 1)..].ContainsAnyExcept(HttpCharacters.Digit))
        {
            return true;
        }

        ReadOnlySpan<byte> portPart;
        if (host[0] == (byte)'[')
        {
            var close = host.IndexOf((byte)']');
            if (close < 2 || !IsIpLiteral(host[1..close]))
            {
                return false;
            }

            var rest = host[(close + 1)..];
            if (rest.IsEmpty)
            {
                return true;
            }

            if (rest[0] != HttpCharacters.Colon)
            {
                return false;
            }

            portPart = rest[1..];
        }
        else
        {
            var colon = host.IndexOf(HttpCharacters.Colon);
            var name = colon < 0 ? host : host[..colon];
            if (!IsRegName(name))
            {
                return false;
            }

            portPart = colon < 0 ? default : host[(colon + 1)..];
        }

        return !portPart.ContainsAnyExcept(HttpCharacters.Digit);
    }

    /// <summary>IP-literal content: an IPv6address or IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).</summary>
    private static bool IsIpLiteral(ReadOnlySpan<byte> literal)
    {
        if (literal[0] is (byte)'v' or (byte)'V')
        {
            var dot = literal.IndexOf((byte)'.');
            return dot > 1 && !literal[1..dot].ContainsAnyExcept(HttpCharacters.HexDigit)
                && dot < literal.Length - 1 && !literal[(dot + 1)..].ContainsAnyExcept(HttpCharacters.IpLiteral);
        }

        // IPv6 (RFC 4291 text forms, with an optional trailing IPv4): hex digits, colons and dots only, and at
        // least one colon; IPAddress does the full grammar. A zone id ("%25eth0", RFC 6874) is not accepted.
        Span<char> text = stackalloc char[literal.Length];
        for (var i = 0; i < literal.Length; i++)
        {
            text[i] = (char)literal[i];
        }

        return literal.Contains(HttpCharacters.Colon)
            && !literal.ContainsAnyExcept(HttpCharacters.Ipv6Char)
            && System.Net.IPAddress.TryParse(text, out var address)
            && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
    }

    private static bool IsRegName(ReadOnlySpan<byte> name)
    {
        // The usual host (a name or an IPv4 address) is all reg-name characters: one vectorized scan.
        if (!name.ContainsAnyExcept(HttpCharacters.RegName))
        {
            return true;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var b = name[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= name.Length || !HttpCharacters.HexDigit.Contains(name[i + 1]) || !HttpCharacters.HexDigit.Contains(name[i + 2]))
                {
                    return false;
                }

                i += 2;
            }
            else if (!HttpCharacters.RegName.Contains(b))
            {
                return false;
            }
        }

        return true;
    }
}
