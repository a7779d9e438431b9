using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace AsgiBridge.WebSocket;

/// <summary>
/// Chooses the first acceptable permessage-deflate offer in <c>Sec-WebSocket-Extensions</c> (RFC 7692 §5, §7.1)
/// and writes the matching answer. An offer with an unknown, repeated or out-of-range parameter is declined and
/// the next one tried; an offer we cannot honour (server_max_window_bits=8: .NET's zlib needs at least 9) likewise.
/// </summary>
internal static class PerMessageDeflateNegotiator
{
    public static WebSocketDeflateOptions? Negotiate(string offers, out string? response)
    {
        response = null;
        foreach (var offer in SplitOutsideQuotes(offers, ','))
        {
            var parts = SplitOutsideQuotes(offer, ';');
            if (parts.Count == 0 || !parts[0].Equals("permessage-deflate", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (TryAccept(parts, out var options, out response))
            {
                return options;
            }
        }

        response = null;
        return null;
    }

    private static bool TryAccept(List<string> parts, out WebSocketDeflateOptions options, out string response)
    {
        options = new WebSocketDeflateOptions();
        var answer = new StringBuilder("permessage-deflate");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        response = "";
        for (var i = 1; i < parts.Count; i++)
        {
            var eq = parts[i].IndexOf('=', StringComparison.Ordinal);
            var name = (eq < 0 ? parts[i] : parts[i][..eq]).Trim();
            var value = eq < 0 ? null : parts[i][(eq + 1)..].Trim().Trim('"');
            if (!seen.Add(name))
            {
                return false;
            }

            switch (name.ToLowerInvariant())
            {
                case "server_no_context_takeover" when value is null:
                    options.ServerContextTakeover = false;
                    answer.Append("; server_no_context_takeover");
                    break;
                case "client_no_context_takeover" when value is null:
                    options.ClientContextTakeover = false;
                    answer.Append("; client_no_context_takeover");
                    break;
                case "server_max_window_bits":
                    if (!TryParseBits(value, out var serverBits) || serverBits < 9)
                    {
                        return false;
                    }

                    options.ServerMaxWindowBits = serverBits;
                    answer.Append("; server_max_window_bits=").Append(serverBits.ToString(CultureInfo.InvariantCulture));
                    break;
                case "client_max_window_bits":
                    if (value is not null && !TryParseBits(value, out _))
                    {
                        return false;
                    }

                    // We inflate with a full 2^15 window, which decodes any smaller window, so the client's
                    // choice needs no answer (RFC 7692 §7.1.2.2 lets the server omit it).
                    break;
                default:
                    return false;
            }
        }

        response = answer.ToString();
        return true;
    }

    private static bool TryParseBits(string? value, out int bits)
    {
        bits = 0;
        return value is { Length: 1 or 2 } && value[0] != '0'
            && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out bits)
            && bits is >= 8 and <= 15;
    }

    private static List<string> SplitOutsideQuotes(string text, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] == '"')
            {
                quoted = !quoted;
            }

            if (i == text.Length || (text[i] == separator && !quoted))
            {
                var part = text[start..i].Trim();
                if (part.Length > 0)
                {
                    parts.Add(part);
                }

                start = i + 1;
            }
        }

        return parts;
    }
}
