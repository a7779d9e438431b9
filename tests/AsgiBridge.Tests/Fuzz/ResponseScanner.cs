using System.Globalization;
using System.Text;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>One response on the wire: its status and whether it says <c>connection: close</c>.</summary>
internal readonly record struct ScannedResponse(int Status, bool Close)
{
    public bool IsInterim => Status is >= 100 and < 200 && Status != 101;
}

/// <summary>
/// Splits what a server sent on one connection into responses, strictly: every response must be a well-formed
/// HTTP/1.1 head with a complete body (content-length or chunked; a HEAD response has none). After a 101 the rest
/// is WebSocket frames and is not read.
/// </summary>
internal static class ResponseScanner
{
    public static List<ScannedResponse> Scan(ReadOnlySpan<byte> data, out string? problem)
    {
        var responses = new List<ScannedResponse>();
        problem = null;
        var pos = 0;
        while (pos < data.Length)
        {
            var rest = data[pos..];
            var headEnd = rest.IndexOf("\r\n\r\n"u8);
            if (headEnd < 0)
            {
                problem = $"incomplete response head at byte {pos}";
                return responses;
            }

            var head = Encoding.Latin1.GetString(rest[..headEnd]).Split("\r\n");
            var statusLine = head[0];
            if (statusLine.Length < 13 || !statusLine.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || statusLine[12] != ' ' ||
                !int.TryParse(statusLine.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            {
                problem = $"malformed status line \"{FuzzCase.Escape(Encoding.Latin1.GetBytes(statusLine))}\"";
                return responses;
            }

            long? contentLength = null;
            var chunked = false;
            var close = false;
            foreach (var line in head.AsSpan(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    problem = $"malformed header line \"{line}\"";
                    return responses;
                }

                var name = line[..colon];
                var value = line[(colon + 1)..].Trim();
                if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase))
                {
                    if (contentLength is not null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                    {
                        problem = $"bad or repeated content-length \"{value}\"";
                        return responses;
                    }

                    contentLength = length;
                }
                else if (name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = value.Equals("chunked", StringComparison.OrdinalIgnoreCase);
                }
                else if (name.Equals("connection", StringComparison.OrdinalIgnoreCase))
                {
                    close |= value.Contains("close", StringComparison.OrdinalIgnoreCase);
                }
            }

            responses.Add(new ScannedResponse(status, close));
            pos += headEnd + 4;
            if (status == 101)
            {
                return responses;
            }

            if (status < 200 || status is 204 or 304)
            {
                continue;
            }

            if (chunked)
            {
                if (!TrySkipChunked(data, ref pos, out problem))
                {
                    return responses;
                }
            }
            else if (contentLength is { } length)
            {
                // A HEAD response has a content-length but no body: a status line (or nothing) right after the
                // head is taken for the next response unless the body is there, followed by one (or nothing).
                var after = data[pos..];
                var bodyThere = after.Length >= length;
                if (bodyThere && (after.Length == length || StartsWithStatusLine(after[(int)length..])))
                {
                    pos += (int)length;
                }
                else if (after.IsEmpty || StartsWithStatusLine(after))
                {
                    continue;
                }
                else if (bodyThere)
                {
                    pos += (int)length;
                }
                else
                {
                    problem = $"body of {after.Length} bytes, content-length {length}";
                    return responses;
                }
            }
            else
            {
                pos = data.Length; // close-delimited
            }
        }

        return responses;
    }

    private static bool StartsWithStatusLine(ReadOnlySpan<byte> data) =>
        data.Length >= 13 && data.StartsWith("HTTP/1.1 "u8) && char.IsAsciiDigit((char)data[9]) && char.IsAsciiDigit((char)data[10]) &&
        char.IsAsciiDigit((char)data[11]) && data[12] == (byte)' ';

    private static bool TrySkipChunked(ReadOnlySpan<byte> data, ref int pos, out string? problem)
    {
        while (true)
        {
            var lineEnd = data[pos..].IndexOf("\r\n"u8);
            if (lineEnd < 0 || !int.TryParse(data.Slice(pos, lineEnd), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
            {
                problem = $"bad chunk line at byte {pos}";
                return false;
            }

            pos += lineEnd + 2;
            if (data.Length - pos < size + 2)
            {
                problem = $"truncated chunk at byte {pos}";
                return false;
            }

            pos += size;
            if (size == 0)
            {
                // No trailers from this server: the last chunk is followed by the empty line.
                if (!data[pos..].StartsWith("\r\n"u8))
                {
                    problem = $"no CRLF after the last chunk at byte {pos}";
                    return false;
                }

                pos += 2;
                problem = null;
                return true;
            }

            if (!data[pos..].StartsWith("\r\n"u8))
            {
                problem = $"chunk data not followed by CRLF at byte {pos}";
                return false;
            }

            pos += 2;
        }
    }
}
