using System.Text;
using System.Text.RegularExpressions;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>
/// Starlette's own middleware (BaseHTTPMiddleware, TrustedHost, HTTPSRedirect, Session), mounts and <c>url_for</c>,
/// <c>StaticFiles</c>, Jinja2 templates, exception handlers and WebSocket helpers (apps/starlette_extras_app.py),
/// served by AsgiBridge and by uvicorn.
/// </summary>
public sealed partial class StarletteExtrasDifferentialTests(StarletteExtrasPair pair) : IClassFixture<StarletteExtrasPair>
{
    [SkippableTheory]
    [InlineData("/")]
    [InlineData("/?a=1&a=2&b=%C3%A9")]
    [InlineData("/page")]
    [InlineData("/teapot")]
    [InlineData("/unauthorized")]
    [InlineData("/boom")]
    [InlineData("/go")]
    [InlineData("/go-away")]
    [InlineData("/mw-short")]
    [InlineData("/nowhere")]
    [InlineData("/sub")]
    [InlineData("/sub/")]
    [InlineData("/sub/users/bob")]
    [InlineData("/sub/users/b%C3%B6b")]
    [InlineData("/secure/")]
    [InlineData("/secure/?x=1")]
    public async Task A_GET_is_answered_the_same(string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", target);
    }

    [SkippableFact]
    public async Task A_StreamingResponse_behind_BaseHTTPMiddleware_is_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // The middleware's response and the route's both await receive() for the disconnect, at once: AsgiBridge
        // refused the second receive() (the connection closed mid-response) where uvicorn lets both wait.
        var stream = await pair.SameAsync("GET", "/slow-stream");
        Assert.Equal("part 0\npart 1\npart 2\n", stream.Text);
        Assert.Equal("1", stream.Header("x-middleware"));
        await pair.SameAsync("HEAD", "/slow-stream");
        var responses = await pair.SameSequenceAsync(new RawRequest("GET", "/slow-stream"), new RawRequest("POST", "/slow-stream", Body: [1, 2, 3]), new RawRequest("GET", "/"));
        Assert.Equal([200, 405, 200], responses.Select(r => r.Status));
    }

    [SkippableFact]
    public async Task A_body_that_arrives_after_the_middlewares_answer_keeps_the_connection_as_under_uvicorn()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // BaseHTTPMiddleware's receive() is left reading the body when the 405 is sent; the body comes after it.
        // AsgiBridge closed the connection there (the next request's write failed); uvicorn serves the next request.
        RawRequest late = new("POST", "/slow-stream", Body: [1, 2, 3]), next = new("GET", "/");
        var bridge = await RawHttp.SendBodyAfterResponseAsync(pair.Bridge.Port, late, next);
        var uvicorn = await RawHttp.SendBodyAfterResponseAsync(pair.Uvicorn.Port, late, next);
        for (var i = 0; i < 2; i++)
        {
            ServerPair.AssertSame(bridge[i], uvicorn[i], $"request {i + 1} (the body after the answer)");
        }

        Assert.Equal([405, 200], bridge.Select(r => r.Status));
    }

    [SkippableTheory]
    [InlineData("evil.com", 400)]
    [InlineData("a.example.org", 200)]
    [InlineData("testserver:8080", 200)]
    public async Task TrustedHostMiddleware_answers_the_same(string host, int status)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await SameWithHostAsync("/", host);
        Assert.Equal(status, response.Status);
        Assert.Equal(307, (await SameWithHostAsync("/secure/", host == "evil.com" ? "testserver:80" : host)).Status);
    }

    [SkippableFact]
    public async Task Proxy_headers_from_127_0_0_1_are_trusted_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // uvicorn trusts X-Forwarded-For/-Proto from 127.0.0.1 by default; the app echoes request.client and the scheme.
        var forwarded = await pair.SameAsync("GET", "/", [("x-forwarded-for", "10.1.2.3"), ("x-forwarded-proto", "https")]);
        Assert.Contains("\"client\":\"10.1.2.3\",\"scheme\":\"https\"", forwarded.Text, StringComparison.Ordinal);
        await pair.SameAsync("GET", "/", [("x-forwarded-for", "10.1.2.3, 10.0.0.1")]);
        await pair.SameAsync("GET", "/secure/", [("x-forwarded-proto", "https")]);
        await pair.SameAsync("GET", "/secure/", [("x-forwarded-proto", "http")]);
    }

    [SkippableFact]
    public async Task A_session_cookie_is_set_and_read_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // The signed cookie holds the time it was signed: its payload is compared, not the timestamp and signature.
        var first = await pair.SameAsync("GET", "/session", normalize: Unsigned);
        Assert.Contains("{\"counter\":1}", first.Text, StringComparison.Ordinal);
        var cookie = first.Header("set-cookie")!.Split(';')[0];
        var second = await pair.SameAsync("GET", "/session", [("cookie", cookie)], normalize: Unsigned);
        Assert.Contains("{\"counter\":2}", second.Text, StringComparison.Ordinal);
        await pair.SameAsync("GET", "/session", [("cookie", "session=garbage")], normalize: Unsigned);
        await pair.SameAsync("GET", "/session?clear=1", [("cookie", cookie)], normalize: Unsigned);
    }

    [SkippableTheory]
    [InlineData("GET", "/site/")]
    [InlineData("GET", "/site")]
    [InlineData("GET", "/site/docs")]
    [InlineData("GET", "/site/docs/")]
    [InlineData("GET", "/site/style.css")]
    [InlineData("HEAD", "/site/style.css")]
    [InlineData("GET", "/site/data.json")]
    [InlineData("GET", "/site/missing")]
    [InlineData("GET", "/files/missing")]
    [InlineData("GET", "/files/")]
    [InlineData("POST", "/site/style.css")]
    [InlineData("GET", "/site/../starlette_extras_app.py")]
    [InlineData("GET", "/site/%2e%2e/starlette_extras_app.py")]
    public async Task StaticFiles_answer_the_same(string method, string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync(method, target);
    }

    [SkippableFact]
    public async Task StaticFiles_conditional_requests_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var file = await pair.SameAsync("GET", "/site/style.css");
        var etag = file.Header("etag")!;
        var modified = file.Header("last-modified")!;
        Assert.Equal(304, (await pair.SameAsync("GET", "/site/style.css", [("if-none-match", etag)])).Status);
        Assert.Equal(304, (await pair.SameAsync("GET", "/site/style.css", [("if-modified-since", modified)])).Status);
        Assert.Equal(200, (await pair.SameAsync("GET", "/site/style.css", [("if-none-match", "\"other\"")])).Status);
        Assert.Equal(200, (await pair.SameAsync("GET", "/site/style.css", [("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT")])).Status);
        Assert.Equal(304, (await pair.SameAsync("HEAD", "/site/", [("if-none-match", (await pair.SameAsync("GET", "/site/")).Header("etag")!)])).Status);
        await pair.SameAsync("GET", "/site/style.css", [("range", "bytes=0-3")]);
    }

    [SkippableFact]
    public async Task Request_stream_and_is_disconnected_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Contains("\"bytes\":2000000", (await pair.SameAsync("POST", "/stream-in", [("content-type", "application/octet-stream")], new byte[2_000_000])).Text, StringComparison.Ordinal);
        var chunked = Encoding.ASCII.GetBytes($"3e8\r\n{new string('a', 1000)}\r\n5\r\nhello\r\n0\r\n\r\n");
        Assert.Contains("\"bytes\":1005", (await pair.SameAsync("PUT", "/stream-in", [("transfer-encoding", "chunked")], chunked)).Text, StringComparison.Ordinal);
        Assert.Contains("\"bytes\":0", (await pair.SameAsync("POST", "/stream-in")).Text, StringComparison.Ordinal);
        Assert.Equal("{\"disconnected\":false,\"bytes\":3}", (await pair.SameAsync("POST", "/disconnected", body: [1, 2, 3])).Text);
    }

    [SkippableFact]
    public async Task WebSocket_JSON_and_a_close_with_a_reason_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/json?q=x", ["{\"a\": [1, \"é\"]}", "{\"close\": true}"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Text: {\"echo\": {\"a\": [1, \"\\u00e9\"]}, \"query\": \"x\"}", "close 4001 asked to close"], bridge);

        (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/bytes", ["bytes:abc", "bytes:x"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Binary: cba", "close 4002 done with bytes"], bridge);

        (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/headers", ["x", "y"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Text: /ws/headers|/ws/headers", "close 1000 bye"], bridge);
    }

    [SkippableFact]
    public async Task Messages_after_the_apps_close_do_not_reset_the_connection()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // A client that has not read the app's close frame yet keeps sending, then answers the close. uvicorn waits
        // for that answer (the closing handshake, RFC 6455 §7.1.1); AsgiBridge closed TCP right after its close
        // frame, so the late messages met a closed socket and the client got a reset, which can destroy the close
        // frame before the client reads it (it then reports 1006, not the app's code).
        Assert.Equal("4001 asked to close, then eof", await RawWebSocket.SendAfterServerCloseAsync(pair.Uvicorn.Port, "/ws/json", "{\"close\": true}"));
        Assert.Equal("4001 asked to close, then eof", await RawWebSocket.SendAfterServerCloseAsync(pair.Bridge.Port, "/ws/json", "{\"close\": true}"));
    }

    [SkippableFact]
    public async Task WebSocket_subprotocols_and_refusals_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/sub", ["hi", "end"], subprotocol: "a, b");
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: b", "Text: hi via ['a', 'b']", "close 1000 "], bridge);
        (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/sub", ["hi", "end"], subprotocol: "c");
        Assert.Equal(uvicorn, bridge);
        (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/reject", ["hi"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(403, (await pair.SameAsync("GET", "/ws/reject", ServerPair.WebSocketUpgrade)).Status);
        Assert.Equal(403, (await pair.SameAsync("GET", "/ws/nowhere", ServerPair.WebSocketUpgrade)).Status);
    }

    [SkippableFact]
    public async Task A_WebSocket_route_raising_after_accept_is_the_documented_difference()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // docs/python.md, "Differences from uvicorn": uvicorn drops the connection, AsgiBridge closes with 1011
        // (a route raising, receive_json on text that is not JSON).
        foreach (var (path, texts) in new[] { ("/ws/error", new[] { "x" }), ("/ws/json", ["{\"a\": 1}", "[1"]) })
        {
            var (bridge, uvicorn) = await pair.WebSocketBothAsync(path, texts);
            Assert.Equal(bridge[..^1], uvicorn[..^1]);
            Assert.Equal("close 1011 ", bridge[^1]);
            Assert.StartsWith("dropped", uvicorn[^1], StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Pipelined_requests_are_answered_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var responses = await pair.SamePipelinedAsync(
            new RawRequest("GET", "/"),
            new RawRequest("GET", "/slow-stream"),
            new RawRequest("POST", "/stream-in", Body: Encoding.ASCII.GetBytes("abc")),
            new RawRequest("HEAD", "/site/style.css"),
            new RawRequest("GET", "/nowhere"),
            new RawRequest("GET", "/site/style.css"));
        Assert.Equal([200, 200, 200, 200, 404, 200], responses.Select(r => r.Status));
    }

    [SkippableTheory]
    [InlineData("/", "content-length")]
    [InlineData("/slow-stream", null)]
    [InlineData("/site/style.css", "content-length")]
    public async Task An_HTTP_1_0_request_differs_only_as_documented(string target, string? length)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // docs/python.md, "Differences from uvicorn": uvicorn sends no connection header to an HTTP/1.0 client and
        // streams an unsized body chunked; AsgiBridge says connection: close and delimits such a body by the close.
        var (bridge, uvicorn) = await pair.BothAsync("GET", target, version: "1.0");
        Assert.Equal("close", bridge.Header("connection"));
        Assert.Null(uvicorn.Header("connection"));
        Assert.Null(bridge.Header("transfer-encoding"));
        Assert.Equal(length is null ? "chunked" : null, uvicorn.Header("transfer-encoding"));
        Assert.Equal(length is null ? null : bridge.Header(length), uvicorn.Header("content-length"));
        ServerPair.AssertSame(Unframed(bridge), Unframed(uvicorn), $"GET {target} HTTP/1.0");

        // Asked to keep the connection alive: AsgiBridge answers connection: keep-alive, uvicorn nothing (and closes).
        var (keptBridge, keptUvicorn) = await pair.BothAsync("GET", target, [("connection", "keep-alive")], version: "1.0");
        Assert.Equal(length is null ? "close" : "keep-alive", keptBridge.Header("connection"));
        ServerPair.AssertSame(Unframed(keptBridge), Unframed(keptUvicorn), $"GET {target} HTTP/1.0, keep-alive");

        static RawResponse Unframed(RawResponse r) => r with { Headers = [.. r.Headers.Where(h => h.Name is not ("connection" or "transfer-encoding"))] };
    }

    [SkippableFact]
    public async Task A_large_unread_body_is_the_documented_difference()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // docs/python.md, "Differences from uvicorn": with over 1 MiB of body unread, AsgiBridge closes instead of
        // draining. The head alone is sent (the app answers a 404 without reading), so nothing of the body is buffered.
        const string head = "POST /nowhere HTTP/1.1\r\nhost: testserver\r\ncontent-length: 3000000\r\n\r\n";
        var bridge = await ResponseHeadAsync(pair.Bridge.Port, head);
        var uvicorn = await ResponseHeadAsync(pair.Uvicorn.Port, head);
        Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", bridge, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", uvicorn, StringComparison.Ordinal);
        Assert.Contains("\r\nconnection: close\r\n", bridge, StringComparison.Ordinal);
        Assert.DoesNotContain("connection:", uvicorn, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<string> ResponseHeadAsync(int port, string head)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancel.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancel.Token);
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (!Encoding.Latin1.GetString([.. received]).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, cancel.Token);
            Assert.True(n > 0, "the connection closed before the response head");
            received.AddRange(buffer.AsSpan(0, n));
        }

        return Encoding.Latin1.GetString([.. received]);
    }

    private Task<RawResponse> SameWithHostAsync(string target, string host) => pair.SameAsync("GET", target, [("host", host)]);

    private static RawResponse Unsigned(RawResponse response) =>
        response with { Headers = [.. response.Headers.Select(h => h.Name == "set-cookie" ? (h.Name, SignedPart().Replace(h.Value, "$1.SIGNED;")) : h)] };

    [GeneratedRegex(@"^(session=[^.;]*)\.[^;]*;")]
    private static partial Regex SignedPart();
}
