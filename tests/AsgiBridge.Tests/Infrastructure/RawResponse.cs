using System.Globalization;
using System.Text;

namespace AsgiBridge.Tests.Infrastructure;

/// <summary>A response parsed from raw bytes by a small, strict HTTP/1.1 response reader (test side only).</summary>
public sealed record RawResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, bool Chunked)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    public int HeaderCount(string name) => Headers.Count(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Parses as many complete responses as the bytes hold; <paramref name="method"/> is the first request's
    /// (HEAD responses have no body). 1xx interim responses are returned too.
    /// </summary>
    public static List<RawResponse> ParseAll(byte[] data, string? method, out int consumed, bool atEof = false)
    {
        var responses = new List<RawResponse>();
        consumed = 0;
        while (TryParse(data.AsSpan(consumed), responses.Count == 0 ? method : null, atEof, out var response, out var used))
        {
            responses.Add(response);
            consumed += used;
        }

        return responses;
    }

    private static bool TryParse(ReadOnlySpan<byte> data, string? method, bool atEof, out RawResponse response, out int used)
    {
        response = null!;
        used = 0;
        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }

        var head = Encoding.Latin1.GetString(data[..end]).Split("\r\n");
        var statusParts = head[0].Split(' ', 3);
        var status = int.Parse(statusParts[1], CultureInfo.InvariantCulture);
        var headers = head.Skip(1).Select(line =>
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            return (line[..colon], line[(colon + 1)..].Trim());
        }).ToList();
        var pos = end + 4;
        string? Find(string name) => headers.FirstOrDefault(h => string.Equals(h.Item1, name, StringComparison.OrdinalIgnoreCase)).Item2;

        if (status < 200 || status is 204 or 304 || method == "HEAD")
        {
            response = new RawResponse(status, headers, [], false);
            used = pos;
            return true;
        }

        if (Find("transfer-encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var body = new List<byte>();
            while (true)
            {
                var lineEnd = data[pos..].IndexOf("\r\n"u8);
                if (lineEnd < 0)
                {
                    return false;
                }

                var size = int.Parse(Encoding.ASCII.GetString(data.Slice(pos, lineEnd)).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                pos += lineEnd + 2;
                if (size == 0)
                {
                    var trailerEnd = data[pos..].IndexOf("\r\n"u8);
                    if (trailerEnd != 0)
                    {
                        return false;
                    }

                    pos += 2;
                    break;
                }

                if (data.Length < pos + size + 2)
                {
                    return false;
                }

                body.AddRange(data.Slice(pos, size));
                pos += size + 2;
            }

            response = new RawResponse(status, headers, [.. body], true);
            used = pos;
            return true;
        }

        if (Find("content-length") is { } cl)
        {
            var length = int.Parse(cl, CultureInfo.InvariantCulture);
            if (data.Length < pos + length)
            {
                return false;
            }

            response = new RawResponse(status, headers, data.Slice(pos, length).ToArray(), false);
            used = pos + length;
            return true;
        }

        if (!atEof)
        {
            return false;
        }

        response = new RawResponse(status, headers, data[pos..].ToArray(), false);
        used = data.Length;
        return true;
    }
}
