using System.Text;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>
/// A plain ASGI app (apps/raw_app.py) served by AsgiBridge and by uvicorn: the same requests get the same status,
/// headers and body. The app describes its scope's values and types, so a difference in what the app sees shows too.
/// </summary>
public sealed class RawAppDifferentialTests(RawAppPair pair) : IClassFixture<RawAppPair>
{
    [SkippableTheory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/caf%C3%A9/a%2Fb?x=1&y=%20z")]
    [InlineData("POST", "/submit?q")]
    [InlineData("DELETE", "/items/7")]
    public async Task The_scope_the_app_sees_is_the_same(string method, string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync(method, target, [("x-custom", "Value One"), ("x-custom", "two"), ("accept", "*/*")]);
        Assert.Equal(200, response.Status);
        Assert.Contains("\"raw_path_type\": \"bytes\"", response.Text, StringComparison.Ordinal);
        Assert.Contains("\"header_types\": [\"bytes/bytes\"]", response.Text, StringComparison.Ordinal);
        Assert.Contains("\"client\": [\"tuple\", \"127.0.0.1\"]", response.Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Receive_and_send_pass_the_same_coroutine_checks()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("GET", "/send-awaitable");
        Assert.DoesNotContain("False", response.Text, StringComparison.Ordinal);
        var reuse = await pair.SameAsync("GET", "/reuse");
        Assert.Equal("RuntimeError: cannot reuse already awaited coroutine", reuse.Text);
    }

    [SkippableFact]
    public async Task Header_names_the_app_did_not_lowercase_are_written_lowercased()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", "/header-case");

        // RawHttp compares names case-insensitively: the exact bytes are read here.
        foreach (var port in new[] { pair.Bridge.Port, pair.Uvicorn.Port })
        {
            var head = await ResponseHeadAsync(port, "/header-case");
            Assert.Contains("\r\nx-custom: Value\r\n", head, StringComparison.Ordinal);
            Assert.Contains("\r\ncontent-type: text/plain\r\n", head, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task A_body_in_one_piece_without_a_content_length_is_framed_as_uvicorn_frames_it()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Equal("one piece", (await pair.SameAsync("GET", "/one-piece")).Text);
        foreach (var port in new[] { pair.Bridge.Port, pair.Uvicorn.Port })
        {
            var head = await ResponseHeadAsync(port, "/one-piece");
            Assert.Contains("\r\ntransfer-encoding: chunked\r\n", head, StringComparison.Ordinal);
            Assert.DoesNotContain("content-length", head, StringComparison.OrdinalIgnoreCase);
        }
    }

    [SkippableTheory]
    [InlineData("POST", "/echo", "content-length: 3|transfer-encoding: chunked", "3\r\nabc\r\n0\r\n\r\n")]
    [InlineData("POST", "/echo", "transfer-encoding: chunked", "zz\r\nabc\r\n0\r\n\r\n")]
    [InlineData("POST", "/echo", "content-length: abc", "abc")]
    [InlineData("POST", "/echo", "content-length: 3|content-length: 4", "abcd")]
    [InlineData("GET", "/a b", "", null)]
    [InlineData("GET", "/", "transfer-encoding: chunked, chunked", "0\r\n\r\n")]
    public async Task A_request_both_servers_reject_gets_uvicorns_400(string method, string target, string headers, string? body)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // uvicorn answers whatever httptools rejects with one 400; AsgiBridge sent its own reason for each (still logged).
        var lines = headers.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(h => (h.Split(": ")[0], h.Split(": ")[1]));
        var response = await pair.SameAsync(method, target, lines, body is null ? null : Encoding.ASCII.GetBytes(body));
        Assert.Equal((400, "Invalid HTTP request received."), (response.Status, response.Text));
    }

    [SkippableFact]
    public async Task Two_tasks_may_await_receive_at_once()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // AsgiBridge refused the second receive() with a RuntimeError; uvicorn lets both wait (BridgeBehaviourTests
        // checks both then get http.disconnect).
        Assert.Equal("both waiting", (await pair.SameAsync("GET", "/concurrent-receive")).Text);
    }

    private static async Task<string> ResponseHeadAsync(int port, string target)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancel.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nhost: testserver\r\nconnection: close\r\n\r\n"), cancel.Token);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cancel.Token);
        var text = Encoding.Latin1.GetString(received.ToArray());
        return text[..(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2)];
    }

    [SkippableFact]
    public async Task A_task_awaiting_receive_when_the_app_returns_gets_http_disconnect()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        foreach (var port in new[] { pair.Bridge.Port, pair.Uvicorn.Port })
        {
            Assert.Equal("started", (await RawHttp.SendAsync(port, "GET", "/late-receive")).Text);
        }

        var result = await pair.SameAsync("GET", "/late-receive-result");
        Assert.Equal("[\"http.disconnect\", \"http.disconnect\"]", result.Text);
    }

    [SkippableFact]
    public async Task Response_headers_keep_their_order_and_duplicates_and_binary_bodies_are_exact()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("GET", "/headers");
        Assert.Equal(201, response.Status);
        Assert.Equal(256, response.Body.Length);
        Assert.Equal(["a", "b"], response.Headers.Where(h => h.Name == "x-dup").Select(h => h.Value));
    }

    [SkippableFact]
    public async Task A_streamed_response_is_chunked_by_both()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("GET", "/stream");
        Assert.Equal("chunked", response.Header("transfer-encoding"));
        Assert.Equal("line 0\nline 1\nline 2\nline 3\nline 4\n", response.Text);
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(300_000)]
    [InlineData(3_000_000)]
    public async Task A_request_body_arrives_whole(int size)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var body = Encoding.ASCII.GetBytes(new string('b', size));
        var response = await pair.SameAsync("POST", "/echo", [("content-type", "application/octet-stream")], body);
        Assert.Contains($"\"bytes\": {size}", response.Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_chunked_request_body_arrives_whole()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var chunked = Encoding.ASCII.GetBytes("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        var response = await pair.SameAsync("POST", "/echo", [("transfer-encoding", "chunked")], chunked);
        Assert.Contains("\"bytes\": 11", response.Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_large_download_arrives_whole()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("GET", "/download?5000000");
        Assert.Equal(5_000_000, response.Body.Length);
    }

    [SkippableFact]
    public async Task A_HEAD_request_gets_the_head_only()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("HEAD", "/headers");
        Assert.Empty(response.Body);
    }

    [SkippableFact]
    public async Task Events_in_every_shape_ASGI_allows_are_answered_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // Header pairs as lists and tuples, a bytes subclass, bodies as bytearray and memoryview.
        var response = await pair.SameAsync("GET", "/odd-shapes");
        Assert.Equal(("1", "one two"), (response.Header("x-sub"), response.Text));
    }

    [SkippableFact]
    public async Task An_exception_before_the_response_is_uvicorns_500_page()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // The same page framed the same way: uvicorn sends it through the app's send path without a content-length,
        // so it is chunked, and a HEAD gets the head alone.
        var response = await pair.SameAsync("GET", "/boom");
        Assert.Equal(500, response.Status);
        Assert.Equal("chunked", response.Header("transfer-encoding"));
        Assert.Equal("Internal Server Error", response.Text);
        var head = await pair.SameAsync("HEAD", "/boom");
        Assert.Equal((500, null, null), (head.Status, head.Header("content-length"), head.Header("transfer-encoding")));
        Assert.Empty(head.Body);
    }

    [SkippableFact]
    public async Task An_app_that_returns_without_a_response_is_the_same_500()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Equal(500, (await pair.SameAsync("GET", "/no-response")).Status);
    }

    [SkippableFact]
    public async Task An_exception_after_the_start_but_before_the_body_is_a_500_where_uvicorn_closes()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // A documented difference (docs/python.md): AsgiBridge writes the head with the first body event, so nothing is
        // on the wire yet and the client gets a clean 500; uvicorn 0.17 has written the head and closes mid-response.
        Assert.Equal(500, (await RawHttp.SendAsync(pair.Bridge.Port, "GET", "/boom-after-start")).Status);
        await Assert.ThrowsAsync<EndOfStreamException>(() => RawHttp.SendAsync(pair.Uvicorn.Port, "GET", "/boom-after-start"));
    }

    [SkippableFact]
    public async Task An_exception_in_the_middle_of_the_body_leaves_it_visibly_short()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        foreach (var port in new[] { pair.Bridge.Port, pair.Uvicorn.Port })
        {
            var error = await Assert.ThrowsAsync<EndOfStreamException>(() => RawHttp.SendAsync(port, "GET", "/boom-mid-body"));
            Assert.Contains("after 5 of 10", error.Message, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task A_WebSocket_session_is_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws", ["one", "two", "close"], subprotocol: "chat");
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: chat", "Text: echo: one", "Text: echo: two", "close 4000 asked to"], bridge);
    }

    [SkippableFact]
    public async Task A_WebSocket_closed_before_accept_is_refused_by_both()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws-deny", ["x"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Single(bridge);
        Assert.StartsWith("connect failed: 403", bridge[0], StringComparison.Ordinal);

        // The refusal itself, as it came off the wire: uvicorn's empty 403.
        var refusal = await pair.SameAsync("GET", "/ws-deny", ServerPair.WebSocketUpgrade);
        Assert.Equal(403, refusal.Status);
        Assert.Empty(refusal.Body);
    }

    [SkippableFact]
    public async Task A_WebSocket_app_that_returns_before_the_handshake_gets_uvicorns_500()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("GET", "/ws-no-answer", ServerPair.WebSocketUpgrade);
        Assert.Equal(500, response.Status);
    }

    [SkippableFact]
    public async Task A_close_frame_without_a_code_is_1005_to_the_app_and_answered_without_a_code()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        foreach (var server in new[] { pair.Bridge, pair.Uvicorn })
        {
            Assert.Empty(await RawWebSocket.CloseWithoutCodeAsync(server.Port, "/ws"));

            // The close handshake can end before the app's task has taken the disconnect event: ask until it has.
            var seen = await RawHttp.SendAsync(server.Port, "GET", "/last-disconnect");
            for (var attempt = 0; attempt < 100 && seen.Text == "{}"; attempt++)
            {
                await Task.Delay(20);
                seen = await RawHttp.SendAsync(server.Port, "GET", "/last-disconnect");
            }

            Assert.Equal("{\"code\": 1005}", seen.Text);
        }
    }
}
