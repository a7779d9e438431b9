namespace AsgiBridge.Benchmarks;

/// <summary>The request bytes every benchmark uses, so parser, scope and connection numbers are comparable.</summary>
internal static class SampleRequests
{
    /// <summary>The smallest valid HTTP/1.1 request: what wrk and most load generators send.</summary>
    public static readonly byte[] SimpleGet = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray();

    /// <summary>A top-level navigation as Chrome 124 on Linux sends it: 20 header fields, about 1 KiB.</summary>
    public static readonly byte[] BrowserGet =
        ("GET /docs/index.html?lang=en&page=2 HTTP/1.1\r\n"u8
        + "Host: localhost:8000\r\n"u8
        + "Connection: keep-alive\r\n"u8
        + "Cache-Control: max-age=0\r\n"u8
        + "sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n"u8
        + "sec-ch-ua-mobile: ?0\r\n"u8
        + "sec-ch-ua-platform: \"Linux\"\r\n"u8
        + "Upgrade-Insecure-Requests: 1\r\n"u8
        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n"u8
        + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"u8
        + "Sec-Fetch-Site: none\r\n"u8
        + "Sec-Fetch-Mode: navigate\r\n"u8
        + "Sec-Fetch-User: ?1\r\n"u8
        + "Sec-Fetch-Dest: document\r\n"u8
        + "Accept-Encoding: gzip, deflate, br, zstd\r\n"u8
        + "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"u8
        + "Cookie: _ga=GA1.1.1234567890.1700000000; session=9f8e7d6c5b4a39281706f5e4d3c2b1a0; theme=dark\r\n"u8
        + "If-None-Match: \"5f3e-1a2b3c4d\"\r\n"u8
        + "If-Modified-Since: Tue, 21 May 2024 10:00:00 GMT\r\n"u8
        + "Priority: u=0, i\r\n"u8
        + "DNT: 1\r\n"u8
        + "\r\n"u8).ToArray();

    /// <summary>A GET as nginx forwards it with the X-Forwarded-For / -Proto lines docs/configuration.md recommends.</summary>
    public static readonly byte[] ForwardedGet =
        ("GET / HTTP/1.1\r\n"u8
        + "Host: example.com\r\n"u8
        + "X-Forwarded-For: 203.0.113.7\r\n"u8
        + "X-Forwarded-Proto: https\r\n"u8
        + "\r\n"u8).ToArray();

    /// <summary>The head of a chunked upload.</summary>
    public static readonly byte[] ChunkedPostHead =
        ("POST /upload HTTP/1.1\r\n"u8
        + "Host: localhost\r\n"u8
        + "Content-Type: application/json\r\n"u8
        + "Transfer-Encoding: chunked\r\n"u8
        + "\r\n"u8).ToArray();

    /// <summary>A small chunked body: three data chunks (one with an extension), the last chunk and no trailers.</summary>
    public static readonly byte[] ChunkedBody =
        ("f\r\n{\"name\":\"asgi\",\r\n"u8
        + "d;ext=1\r\n\"version\":3.0\r\n"u8
        + "1\r\n}\r\n"u8
        + "0\r\n\r\n"u8).ToArray();

    /// <summary>The chunked head and body in one buffer, as they usually arrive.</summary>
    public static readonly byte[] ChunkedPost = [.. ChunkedPostHead, .. ChunkedBody];

    /// <summary><paramref name="count"/> copies of <paramref name="request"/> back to back (HTTP/1.1 pipelining).</summary>
    public static byte[] Repeat(byte[] request, int count)
    {
        var result = new byte[request.Length * count];
        for (var i = 0; i < count; i++)
        {
            request.CopyTo(result, i * request.Length);
        }

        return result;
    }
}
