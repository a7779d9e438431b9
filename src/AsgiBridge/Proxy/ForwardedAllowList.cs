using System.Net;
using System.Net.Sockets;

namespace AsgiBridge.Proxy;

/// <summary>
/// The peers whose forwarding information is believed (<c>Asgi:ForwardedAllowIps</c>): addresses, CIDR ranges,
/// <c>*</c> (every peer) and <c>unix</c> (unix-socket peers, which have no address). IPv4-mapped IPv6 addresses
/// match their IPv4 form, so a dual-stack listener sees <c>::ffff:127.0.0.1</c> as <c>127.0.0.1</c>. The rules are
/// in docs/proxies.md.
/// </summary>
internal sealed class ForwardedAllowList
{
    private readonly Network[] _networks;

    private ForwardedAllowList(Network[] networks, bool trustsAll, bool trustsUnix)
    {
        _networks = networks;
        TrustsAll = trustsAll;
        TrustsUnix = trustsUnix;
    }

    /// <summary>The default: the loopback addresses, so a proxy on the same machine is believed.</summary>
    public const string Default = "127.0.0.1,::1";

    /// <summary>Whether every peer is trusted (<c>*</c>).</summary>
    public bool TrustsAll { get; }

    /// <summary>Whether unix-socket peers are trusted (<c>unix</c>).</summary>
    public bool TrustsUnix { get; }

    /// <summary>Parses a comma-separated list; throws <see cref="FormatException"/> naming the first bad entry.</summary>
    public static ForwardedAllowList Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var networks = new List<Network>();
        bool all = false, unix = false;
        foreach (var entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (entry == "*")
            {
                all = true;
            }
            else if (entry.Equals("unix", StringComparison.OrdinalIgnoreCase))
            {
                unix = true;
            }
            else if (Network.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else
            {
                throw new FormatException($"'{entry}' is not an IP address, a CIDR range, '*' or 'unix'");
            }
        }

        return new ForwardedAllowList([.. networks], all, unix);
    }

    /// <summary>Whether a connection's peer (an <see cref="IPEndPoint"/> or a unix socket) is trusted.</summary>
    public bool IsTrusted(EndPoint? peer) => peer switch
    {
        IPEndPoint ip => IsTrusted(ip.Address),
        UnixDomainSocketEndPoint => TrustsUnix || TrustsAll,
        _ => TrustsAll,
    };

    /// <summary>Whether an address is trusted.</summary>
    public bool IsTrusted(IPAddress address)
    {
        if (TrustsAll)
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An address and prefix length; a plain address is a full-length prefix.</summary>
    private readonly record struct Network(IPAddress Prefix, int Length)
    {
        public static bool TryParse(string text, out Network network)
        {
            network = default;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            var addressText = slash < 0 ? text : text[..slash];
            // A zone (fe80::1%eth0) names an interface, not an address anyone can forward from.
            if (addressText.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(addressText, out var address))
            {
                return false;
            }

            // IPAddress.TryParse accepts "1" and "1.2" as IPv4 shorthand; a setting that means an address must say it whole.
            if (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3)
            {
                return false;
            }

            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            var length = bits;
            if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length) || length > bits))
            {
                return false;
            }

            network = new Network(address, length);
            return true;
        }

        public bool Contains(IPAddress address)
        {
            if (address.AddressFamily != Prefix.AddressFamily)
            {
                return false;
            }

            Span<byte> candidate = stackalloc byte[16];
            Span<byte> prefix = stackalloc byte[16];
            address.TryWriteBytes(candidate, out var written);
            Prefix.TryWriteBytes(prefix, out _);
            var full = Length / 8;
            if (!candidate[..full].SequenceEqual(prefix[..full]))
            {
                return false;
            }

            var rest = Length % 8;
            if (rest == 0 || full >= written)
            {
                return true;
            }

            var mask = (byte)(0xFF << (8 - rest));
            return (candidate[full] & mask) == (prefix[full] & mask);
        }
    }
}
