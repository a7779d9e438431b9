using System.Text;

namespace AsgiBridge.Hosting;

/// <summary>
/// <c>Asgi:Headers</c> (uvicorn's <c>--header NAME:VALUE</c>, its "custom default HTTP response headers"), parsed
/// once at start-up into what the backends write: header lines for the HTTP/1.1 handler, name/value pairs for the
/// HttpContext backend. As uvicorn: the name is lower-cased, every response the server writes carries the headers
/// (its own answers too), the application's headers do not replace them, and a default <c>server</c> header takes the
/// place of the server's own (even with <c>Asgi:ServerHeader</c> off).
/// </summary>
internal sealed class DefaultResponseHeaders
{
    /// <summary>No default headers.</summary>
    public static DefaultResponseHeaders Empty { get; } = new([]);

    private DefaultResponseHeaders(List<(string Name, string Value)> fields)
    {
        Fields = [.. fields];
        var server = new StringBuilder();
        var other = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            (name == "server" ? server : other).Append(name).Append(": ").Append(value).Append("\r\n");
        }

        ServerLines = server.Length == 0 ? null : Encoding.ASCII.GetBytes(server.ToString());
        OtherLines = other.Length == 0 ? null : Encoding.ASCII.GetBytes(other.ToString());
    }

    /// <summary>Every default header, in the order configured: lower-case name, value without surrounding whitespace.</summary>
    public (string Name, string Value)[] Fields { get; }

    /// <summary>The <c>server</c> lines among them (<c>server: VALUE\r\n</c>), or null when none was configured.</summary>
    public byte[]? ServerLines { get; }

    /// <summary>The other lines, in order, or null when there are none.</summary>
    public byte[]? OtherLines { get; }

    /// <summary>Parses the entries; throws <see cref="InvalidOperationException"/> naming the first bad one (the validator reports it at start-up).</summary>
    public static DefaultResponseHeaders Parse(IList<string>? entries)
    {
        if (entries is null || entries.Count == 0)
        {
            return Empty;
        }

        var fields = new List<(string, string)>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            fields.Add(TryParse(entries[i], out var name, out var value, out var problem)
                ? (name, value)
                : throw new InvalidOperationException($"Asgi:Headers:{i} must be NAME:VALUE: {problem} (got '{Printable(entries[i])}')."));
        }

        return new DefaultResponseHeaders(fields);
    }

    /// <summary>
    /// One entry: split at the first colon, as uvicorn does (<c>header.split(":", 1)</c>). The name must be a token
    /// (RFC 9110 §5.6.2); the value loses its leading and trailing spaces and tabs, which are not part of a field value
    /// (RFC 9110 §5.5), and may hold visible ASCII, spaces and tabs only: never CR, LF or NUL, which would split or
    /// cut the response head (RFC 9110 §5.5), nor obs-text, which new fields must not use and HTTP/2 servers refuse.
    /// </summary>
    internal static bool TryParse(string? entry, out string name, out string value, out string problem)
    {
        name = value = problem = "";
        var colon = entry?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon < 0)
        {
            problem = "no ':' between the name and the value";
            return false;
        }

        var rawName = entry![..colon];
        if (rawName.Length == 0 || !IsToken(rawName))
        {
            problem = "the name must be a token (letters, digits and !#$%&'*+-.^_`|~; RFC 9110 §5.6.2)";
            return false;
        }

        name = rawName.ToLowerInvariant();
        value = entry[(colon + 1)..].Trim(' ', '\t');
        foreach (var c in value)
        {
            if (c is not ('\t' or (>= ' ' and <= '~')))
            {
                problem = c is '\r' or '\n' or '\0'
                    ? "the value must not contain CR, LF or NUL"
                    : "the value may hold visible ASCII characters, spaces and tabs only";
                return false;
            }
        }

        // Framing and connection management are the server's (RFC 9112 §6, RFC 9110 §7.6.1), as is the date it keeps.
        if (name is "content-length" or "transfer-encoding" or "connection" or "keep-alive" or "upgrade" or "trailer" or "date")
        {
            problem = name == "date"
                ? "the server writes date (Asgi:DateHeader)"
                : $"{name} is the server's to write";
            return false;
        }

        return true;
    }

    private static bool IsToken(string text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The entry as the error line shows it: control characters escaped, so the message stays one line.</summary>
    private static string Printable(string? entry)
    {
        var text = new StringBuilder();
        foreach (var c in entry ?? "")
        {
            _ = char.IsControl(c) ? text.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)) : text.Append(c);
        }

        return text.ToString();
    }
}
