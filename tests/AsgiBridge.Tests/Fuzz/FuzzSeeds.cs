using System.Text;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>A valid request (or pipelined requests) to mutate, and the statuses the echo app answers it with.</summary>
internal sealed record FuzzSeed(string Name, byte[] Bytes, int[] Statuses)
{
    public static FuzzSeed Of(string name, string latin1, params int[] statuses) => new(name, Encoding.Latin1.GetBytes(latin1), statuses);
}

/// <summary>
/// The requests the fuzzer starts from: one of each shape the server distinguishes (methods, framings, versions,
/// target forms, upgrades, pipelining), some close to the limits of <see cref="FuzzHostSettings"/> so that a
/// small mutation crosses them. Unmutated, every one is served (docs/http1.md).
/// </summary>
internal static class FuzzSeeds
{
    private const string WebSocketHead =
        "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    public static IReadOnlyList<FuzzSeed> All { get; } =
    [
        FuzzSeed.Of("get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        FuzzSeed.Of("get-headers", "GET /p/a?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: fuzz/1.0\r\nAccept: */*;q=0.8\r\nCookie: a=b; c=d\r\nAccept-Encoding: gzip, deflate\r\n\r\n", 200),
        FuzzSeed.Of("head", "HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        FuzzSeed.Of("post-length", "POST /p HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world", 200),
        FuzzSeed.Of("post-empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 200),
        FuzzSeed.Of("put-json", "PUT /items/7 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"name\":\"x\"}\n", 200),
        FuzzSeed.Of("post-chunked", "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 200),
        FuzzSeed.Of("post-chunked-ext-trailers", "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 ; a = \"x y\" ;b\r\nhello\r\n0;last\r\nX-Sum: 1\r\nX-Other:\t2\r\n\r\n", 200),
        FuzzSeed.Of("post-chunked-empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 200),
        FuzzSeed.Of("expect-length", "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody", 200),
        FuzzSeed.Of("expect-chunked", "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n", 200),
        FuzzSeed.Of("websocket", WebSocketHead, 101),
        FuzzSeed.Of("websocket-frame", WebSocketHead + "\u0081\u0082\u0001\u0002\u0003\u0004ik", 101),
        FuzzSeed.Of("absolute-form", "GET http://example.com:8080/p?q=1 HTTP/1.1\r\nHost: other\r\n\r\n", 200),
        FuzzSeed.Of("http10", "GET /old HTTP/1.0\r\n\r\n", 200),
        FuzzSeed.Of("http10-keep-alive", "GET /old HTTP/1.0\r\nConnection: keep-alive\r\nHost: a\r\n\r\n", 200),
        FuzzSeed.Of("http10-post", "POST /old HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", 200),
        FuzzSeed.Of("options-asterisk", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        FuzzSeed.Of("pipelined-gets", "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", 200, 200),
        FuzzSeed.Of("pipelined-post-get", "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcdeGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", 200, 200),
        FuzzSeed.Of("pipelined-chunked-head", "POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n", 200, 200),
        FuzzSeed.Of("pipelined-close", "GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        FuzzSeed.Of("percent-path", "DELETE /a%20b/%2F/%C3%A9?x=%00#frag HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 200),
        FuzzSeed.Of("many-headers", "GET / HTTP/1.1\r\nHost: a\r\n" + ManyHeaders(FuzzHostSettings.MaxRequestHeaderCount - 2) + "\r\n", 200),
        FuzzSeed.Of("long-target", "GET /" + new string('t', FuzzHostSettings.MaxRequestLineSize - 32) + " HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        FuzzSeed.Of("large-body", "POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: " + (FuzzHostSettings.MaxRequestBodySize - 8) + "\r\n\r\n" + new string('b', FuzzHostSettings.MaxRequestBodySize - 8), 200),
        FuzzSeed.Of("large-chunked", "POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunks(FuzzHostSettings.MaxRequestBodySize - 100, 1000) + "0\r\n\r\n", 200),
        FuzzSeed.Of("leading-empty-lines", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 200),
        FuzzSeed.Of("obs-text-value", "PATCH /x HTTP/1.1\r\nHost: a\r\nX-Name: caf\u00e9\t\u00ff end\r\nContent-Length: 2\r\n\r\nok", 200),
        FuzzSeed.Of("custom-method", "QUERY /q HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nselect", 200),
        FuzzSeed.Of("upgrade-h2c", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n", 200),
        FuzzSeed.Of("get-chunked-body", "GET /g HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", 200),
        FuzzSeed.Of("http19", "GET / HTTP/1.9\r\nHost: a\r\n\r\n", 200),
    ];

    private static string ManyHeaders(int count)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            builder.Append("X-H").Append(i).Append(": v").Append(i).Append("\r\n");
        }

        return builder.ToString();
    }

    private static string Chunks(int total, int size)
    {
        var builder = new StringBuilder();
        for (var left = total; left > 0; left -= size)
        {
            var n = Math.Min(size, left);
            builder.Append(n.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n").Append('c', n).Append("\r\n");
        }

        return builder.ToString();
    }
}
