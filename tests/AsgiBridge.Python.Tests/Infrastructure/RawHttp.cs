using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AsgiBridge.Python.Tests.Infrastructure;

/// <summary>A response as it came off the wire: status and reason phrase, headers in order (names lower-cased), the decoded body.</summary>
internal sealed record RawResponse(int Status, string Reason, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name == name).Value;

    public string Text => Encoding.UTF8.GetString(Body);

    public override string ToString() =>
        $"{Status} {Reason}\n{string.Join('\n', Headers.Select(h => $"{h.Name}: {h.Value}"))}\n\n{Encoding.Latin1.GetString(Body[..Math.Min(Body.Length, 2000)])}";
}

/// <summary>One request of a <see cref="RawHttp.SendManyAsync"/> sequence.</summary>
/// <para>A <c>host</c> among the headers replaces the default one; <paramref name="Version"/> is the request line's.</para>
internal sealed record RawRequest(string Method, string Target, IReadOnlyList<(string Name, string Value)>? Headers = null, byte[]? Body = null, string Version = "1.1");

/// <summary>
/// A minimal HTTP/1.1 client over a socket: one request per connection (or a keep-alive sequence on one), the
/// response framed by content-length, chunked encoding or the close, so both servers' exact headers (and framing) can
/// be compared. The host header is the same for both servers (<c>testserver</c>): an app that echoes it sees no port
/// difference.
/// </summary>
internal static class RawHttp
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    public static async Task<RawResponse> SendAsync(int port, string method, string target, IEnumerable<(string Name, string Value)>? headers = null, byte[]? body = null, string version = "1.1") =>
        (await SendManyAsync(port, [new RawRequest(method, target, headers?.ToList(), body, version)]))[0];

    /// <summary>The requests one after another on one connection, each sent once the previous response is read.</summary>
    public static async Task<List<RawResponse>> SendManyAsync(int port, IReadOnlyList<RawRequest> requests)
    {
        using var cancel = new CancellationTokenSource(s_timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
        var stream = client.GetStream();
        var reader = new ResponseReader(stream, cancel.Token);
        var responses = new List<RawResponse>();
        foreach (var request in requests)
        {
            await WriteRequestAsync(stream, request, cancel.Token);
            responses.Add(await ReadResponseAsync(reader, request.Method));
        }

        return responses;
    }

    /// <summary>
    /// <paramref name="late"/>'s head (with its body's content-length), its response, then its body, then
    /// <paramref name="next"/> and its response, on one connection: a body that arrives after the app has answered.
    /// </summary>
    public static async Task<List<RawResponse>> SendBodyAfterResponseAsync(int port, RawRequest late, RawRequest next)
    {
        using var cancel = new CancellationTokenSource(s_timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
        var stream = client.GetStream();
        var reader = new ResponseReader(stream, cancel.Token);
        var body = late.Body ?? [];
        await WriteRequestAsync(stream, late with { Headers = [.. late.Headers ?? [], ("content-length", body.Length.ToString(CultureInfo.InvariantCulture))], Body = null }, cancel.Token);
        var responses = new List<RawResponse> { await ReadResponseAsync(reader, late.Method) };
        await stream.WriteAsync(body, cancel.Token);
        await WriteRequestAsync(stream, next, cancel.Token);
        responses.Add(await ReadResponseAsync(reader, next.Method));
        return responses;
    }

    /// <summary>The requests pipelined: all written at once on one connection, then the responses read in order.</summary>
    public static async Task<List<RawResponse>> SendPipelinedAsync(int port, IReadOnlyList<RawRequest> requests)
    {
        using var cancel = new CancellationTokenSource(s_timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
        var stream = client.GetStream();
        foreach (var request in requests)
        {
            await WriteRequestAsync(stream, request, cancel.Token);
        }

        var reader = new ResponseReader(stream, cancel.Token);
        var responses = new List<RawResponse>();
        foreach (var request in requests)
        {
            responses.Add(await ReadResponseAsync(reader, request.Method));
        }

        return responses;
    }

    private static async Task WriteRequestAsync(NetworkStream stream, RawRequest request, CancellationToken cancel)
    {
        var (method, target, headers, body, version) = request;
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"{method} {target} HTTP/{version}\r\n");
        if (headers?.Any(h => h.Name.Equals("host", StringComparison.OrdinalIgnoreCase)) != true)
        {
            head.Append("host: testserver\r\n");
        }

        var hasLength = false;
        foreach (var (name, value) in headers ?? [])
        {
            hasLength |= name.Equals("content-length", StringComparison.OrdinalIgnoreCase) || name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase);
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        if (body is not null && !hasLength)
        {
            head.Append(CultureInfo.InvariantCulture, $"content-length: {body.Length}\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancel);
        if (body is not null)
        {
            await stream.WriteAsync(body, cancel);
        }
    }

    private static async Task<RawResponse> ReadResponseAsync(ResponseReader reader, string method)
    {
        while (true)
        {
            var (status, reason, responseHeaders) = await reader.ReadHeadAsync();
            if (status is >= 100 and < 200)
            {
                continue; // 100 Continue: the real response follows
            }

            byte[] responseBody;
            if (method == "HEAD" || status is 204 or 304)
            {
                responseBody = [];
            }
            else if (responseHeaders.Any(h => h.Name == "transfer-encoding" && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
            {
                responseBody = await reader.ReadChunkedAsync();
            }
            else if (responseHeaders.FirstOrDefault(h => h.Name == "content-length").Value is { } length)
            {
                responseBody = await reader.ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture));
            }
            else
            {
                responseBody = await reader.ReadToEndAsync();
            }

            return new RawResponse(status, reason, responseHeaders, responseBody);
        }
    }

    private sealed class ResponseReader(NetworkStream stream, CancellationToken cancel)
    {
        private readonly byte[] _buffer = new byte[65536];
        private int _start;
        private int _end;

        public async Task<(int Status, string Reason, List<(string Name, string Value)> Headers)> ReadHeadAsync()
        {
            var statusLine = (await ReadLineAsync()).Split(' ', 3);
            var status = int.Parse(statusLine[1], CultureInfo.InvariantCulture);
            var headers = new List<(string, string)>();
            string line;
            while ((line = await ReadLineAsync()).Length > 0)
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers.Add((line[..colon].Trim().ToLowerInvariant(), line[(colon + 1)..].Trim()));
            }

            return (status, statusLine.Length > 2 ? statusLine[2] : "", headers);
        }

        public async Task<byte[]> ReadChunkedAsync()
        {
            var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync();
                var size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    while ((await ReadLineAsync()).Length > 0)
                    {
                        // trailers
                    }

                    return body.ToArray();
                }

                body.Write(await ReadExactlyAsync(size));
                await ReadLineAsync();
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count)
        {
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync())
                {
                    throw new EndOfStreamException($"The connection closed after {filled} of {count} body bytes.");
                }

                var n = Math.Min(count - filled, _end - _start);
                _buffer.AsSpan(_start, n).CopyTo(result.AsSpan(filled));
                _start += n;
                filled += n;
            }

            return result;
        }

        public async Task<byte[]> ReadToEndAsync()
        {
            var body = new MemoryStream();
            do
            {
                body.Write(_buffer, _start, _end - _start);
                _start = _end;
            }
            while (await FillAsync());

            return body.ToArray();
        }

        private async Task<string> ReadLineAsync()
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await FillAsync())
                {
                    throw new EndOfStreamException("The connection closed in the middle of a line.");
                }

                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline < 0)
                {
                    line.Write(_buffer, _start, _end - _start);
                    _start = _end;
                    continue;
                }

                line.Write(_buffer, _start, newline - _start);
                _start = newline + 1;
                return Encoding.Latin1.GetString(line.ToArray()).TrimEnd('\r');
            }
        }

        private async Task<bool> FillAsync()
        {
            _start = _end = 0;
            try
            {
                _end = await stream.ReadAsync(_buffer, cancel);
            }
            catch (IOException)
            {
                _end = 0; // a reset ends the body like a close
            }

            return _end > 0;
        }
    }
}
