using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AsgiBridge.Host.Startup;

/// <summary>
/// Checks every address of <c>urls</c> before anything binds. Kestrel reads an address it cannot make sense of as a
/// host name, and binds a host name on every interface: <c>http://127.0.0.1:notaport</c> ends up on
/// <c>http://[::]:80</c> and <c>http://999.1.1.1:8000</c> on <c>[::]:8000</c>. So an address here is
/// <c>http(s)://HOST:PORT</c> with an explicit port 0-65535, HOST an IP literal (IPv6 in brackets, RFC 3986
/// section 3.2.2), <c>localhost</c>, <c>*</c>, <c>+</c> or a well-formed host name (RFC 1123 section 2.1, whose
/// last label is not all digits, so a mistyped IPv4 address is not taken for a name); or
/// <c>http(s)://unix:/absolute/path</c> in a directory that exists.
/// </summary>
internal static class ListenAddresses
{
    private const int MaxPort = 65535;

    /// <summary>Splits <paramref name="urls"/> at <c>;</c> and checks each address.</summary>
    /// <returns>Whether all are usable; if not, <paramref name="error"/> names the first bad one and why.</returns>
    public static bool TryParse(string urls, out string[] addresses, [NotNullWhen(false)] out string? error)
    {
        addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0)
        {
            error = $"Invalid urls '{urls}': no address.";
            return false;
        }

        foreach (var address in addresses)
        {
            var reason = Check(address);
            if (reason is not null)
            {
                error = $"Invalid address '{address}' in urls: {reason}.";
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>Why <paramref name="address"/> cannot be listened on, or null when it can.</summary>
    private static string? Check(string address)
    {
        var schemeEnd = address.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd < 0 ? "" : address[..schemeEnd];
        if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            return "the scheme must be http or https (http://HOST:PORT)";
        }

        var rest = address[(schemeEnd + 3)..];
        if (rest.StartsWith("unix:", StringComparison.Ordinal))
        {
            return CheckUnixPath(rest["unix:".Length..]);
        }

        // Kestrel takes a path after the port as a path base, which it refuses for urls; a lone '/' is no path.
        if (rest.EndsWith('/'))
        {
            rest = rest[..^1];
        }

        if (rest.Contains('/', StringComparison.Ordinal) || rest.Contains('?', StringComparison.Ordinal) || rest.Contains('#', StringComparison.Ordinal))
        {
            return "nothing may follow the port (an app mounted below a path uses Asgi:RootPath)";
        }

        string host;
        string? port;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return "the IPv6 address has no closing ']'";
            }

            host = rest[..(close + 1)];
            port = rest.Length > close + 1 && rest[close + 1] == ':' ? rest[(close + 2)..] : null;
            if (port is null && rest.Length > close + 1)
            {
                return $"expected ':PORT' after '{host}'";
            }
        }
        else
        {
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && rest.IndexOf(':', colon + 1) >= 0)
            {
                return "an IPv6 address must be written in brackets (http://[::1]:8000)";
            }

            host = colon < 0 ? rest : rest[..colon];
            port = colon < 0 ? null : rest[(colon + 1)..];
        }

        return CheckHost(host) ?? CheckPort(port);
    }

    private static string? CheckPort(string? port)
    {
        if (port is null)
        {
            return "a port is required (http://HOST:PORT)";
        }

        return port.Length is > 0 and <= 5 && port.All(char.IsAsciiDigit)
            && int.Parse(port, NumberStyles.None, CultureInfo.InvariantCulture) <= MaxPort
            ? null
            : $"the port '{port}' is not a number from 0 to {MaxPort}";
    }

    private static string? CheckHost(string host)
    {
        if (host.Length == 0)
        {
            return "the host is missing (http://HOST:PORT)";
        }

        if (host.StartsWith('['))
        {
            return IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
                ? null
                : $"'{host}' is not an IPv6 address";
        }

        if (host is "*" or "+" || host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var labels = host.Split('.');
        if (labels[^1].Length > 0 && labels[^1].All(char.IsAsciiDigit))
        {
            // Only digits in the last label: this can only be meant as an IPv4 address, in its dotted-quad form.
            return labels.Length == 4 && labels.All(IsOctet) ? null : $"'{host}' is not an IPv4 address (four numbers 0-255)";
        }

        return host.Length <= 253 && labels.All(IsHostLabel) ? null : $"'{host}' is not an IP address or a host name";
    }

    private static bool IsOctet(string label) =>
        label.Length is > 0 and <= 3 && label.All(char.IsAsciiDigit) && int.Parse(label, NumberStyles.None, CultureInfo.InvariantCulture) <= 255;

    /// <summary>RFC 1123 section 2.1: letters, digits and hyphens, 1-63 of them, no hyphen at either end.</summary>
    private static bool IsHostLabel(string label) =>
        label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static string? CheckUnixPath(string path)
    {
        if (!path.StartsWith('/'))
        {
            return "a unix socket path must be absolute (http://unix:/run/app.sock)";
        }

        if (path.EndsWith('/'))
        {
            return "a unix socket path must name a file, not a directory";
        }

        // Kestrel ends the socket path at the next ':' (what follows is a path base), so the path cannot hold one.
        if (path.Contains(':', StringComparison.Ordinal))
        {
            return "a unix socket path cannot contain ':'";
        }

        var directory = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            return $"the directory '{directory}' does not exist";
        }

        return null;
    }
}
