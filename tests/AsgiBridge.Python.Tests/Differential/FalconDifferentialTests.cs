using System.Text;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>An unchanged Falcon ASGI app (apps/falcon_app.py, <c>falcon.asgi.App</c>) served by AsgiBridge and by uvicorn.</summary>
public sealed class FalconDifferentialTests(FalconPair pair) : IClassFixture<FalconPair>
{
    private static readonly (string, string)[] s_json = [("content-type", "application/json")];

    [SkippableTheory]
    [InlineData("/")]
    [InlineData("/?a=1&a=2&b=%E2%9C%93&c")]
    [InlineData("/items/5")]
    [InlineData("/items/5?limit=7&tag=a,b")]
    [InlineData("/items/5?limit=0")]
    [InlineData("/items/5?limit=many")]
    [InlineData("/items/abc")]
    [InlineData("/items/5/")]
    [InlineData("/started")]
    [InlineData("/sink/a/b?x=1")]
    [InlineData("/%E2%9C%93/x")]
    [InlineData("/nowhere")]
    public async Task A_GET_is_answered_the_same(string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", target);
    }

    [SkippableTheory]
    [InlineData("teapot", 418)]
    [InlineData("not-found", 404)]
    [InlineData("forbidden", 403)]
    [InlineData("conflict", 409)]
    [InlineData("unavailable", 503)]
    [InlineData("redirect", 302)]
    [InlineData("value", 409)]
    [InlineData("boom", 500)]
    public async Task HTTPError_subclasses_and_handlers_give_the_same_answers(string kind, int status)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Equal(status, (await pair.SameAsync("GET", $"/errors/{kind}")).Status);
        Assert.Equal(status, (await pair.SameAsync("GET", $"/errors/{kind}", [("accept", "application/xml")])).Status);
    }

    [SkippableFact]
    public async Task A_registered_status_Falcon_names_gets_the_same_status_line()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // 423 Locked (RFC 4918): AsgiBridge's status line had no phrase for it.
        var locked = await pair.SameAsync("PUT", "/items/5");
        Assert.Equal((423, "Locked"), (locked.Status, locked.Reason));
        var tooBig = await pair.SameAsync("POST", "/body", [("content-type", "application/octet-stream")], new byte[4_500_000]);
        Assert.Equal(413, tooBig.Status);
    }

    [SkippableFact]
    public async Task Media_JSON_in_and_out_and_bad_bodies_are_answered_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var created = await pair.SameAsync("POST", "/items", s_json, Encoding.UTF8.GetBytes("{\"name\": \"pen\", \"tags\": [\"é\"]}"));
        Assert.Equal(201, created.Status);
        Assert.Equal("/items/1", created.Header("location"));
        Assert.Equal(400, (await pair.SameAsync("POST", "/items", s_json, Encoding.UTF8.GetBytes("{bad"))).Status);
        Assert.Equal(400, (await pair.SameAsync("POST", "/items", s_json, [])).Status);
        Assert.Equal(400, (await pair.SameAsync("POST", "/items", s_json, Encoding.UTF8.GetBytes("[1]"))).Status);
        Assert.Equal(415, (await pair.SameAsync("POST", "/items", [("content-type", "text/plain")], Encoding.UTF8.GetBytes("x"))).Status);
    }

    [SkippableFact]
    public async Task Request_bodies_arrive_whole_however_they_are_framed()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Contains("\"bytes\": 3000000", (await pair.SameAsync("POST", "/body", [("content-type", "application/octet-stream")], new byte[3_000_000])).Text, StringComparison.Ordinal);
        Assert.Equal("300000 bytes", (await pair.SameAsync("PUT", "/body", [("content-type", "application/octet-stream")], new byte[300_000])).Text);
        var chunked = await pair.SameAsync("POST", "/body", [("transfer-encoding", "chunked")], Encoding.ASCII.GetBytes("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
        Assert.Contains("\"bytes\": 11", chunked.Text, StringComparison.Ordinal);
        await pair.SameAsync("POST", "/body", [("expect", "100-continue"), ("content-type", "text/plain")], Encoding.ASCII.GetBytes("hello"));
        await pair.SameAsync("POST", "/body");
    }

    [SkippableFact]
    public async Task A_multipart_form_is_received_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var body = Encoding.ASCII.GetBytes(
            "--b0\r\nContent-Disposition: form-data; name=\"f\"; filename=\"d.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
            new string('q', 100_000) + "\r\n--b0\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nvalue\r\n--b0--\r\n");
        var upload = await pair.SameAsync("POST", "/form", [("content-type", "multipart/form-data; boundary=b0")], body);
        Assert.Contains("\"size\": 100000", upload.Text, StringComparison.Ordinal);
        Assert.Equal(400, (await pair.SameAsync("POST", "/form", [("content-type", "multipart/form-data; boundary=b0")], Encoding.ASCII.GetBytes("garbage"))).Status);
    }

    [SkippableFact]
    public async Task A_stream_and_server_sent_events_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Equal("0\n1\n2\n3\n4\n", (await pair.SameAsync("GET", "/stream")).Text);
        var events = await pair.SameAsync("GET", "/events");
        Assert.Equal("text/event-stream", events.Header("content-type"));
        Assert.Contains("data: event 2", events.Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Cookies_headers_and_middleware_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var cookies = await pair.SameAsync("GET", "/cookies", [("cookie", "a=1; a=2; b=3")]);
        Assert.Equal(2, cookies.Headers.Count(h => h.Name == "set-cookie"));
        var headers = await pair.SameAsync("GET", "/headers", [("x-multi", "1"), ("x-multi", "2"), ("accept", "text/html")]);
        Assert.Equal("a, b", headers.Header("x-multi")); // Falcon joins appended values into one field
        Assert.Equal(401, (await pair.SameAsync("GET", "/guarded")).Status);
        Assert.Equal("in", (await pair.SameAsync("GET", "/guarded", [("x-token", "secret")])).Text);
    }

    [SkippableFact]
    public async Task HEAD_OPTIONS_DELETE_and_a_missing_responder_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Equal(405, (await pair.SameAsync("HEAD", "/")).Status);
        Assert.Equal(200, (await pair.SameAsync("OPTIONS", "/items/5")).Status);
        Assert.Equal(204, (await pair.SameAsync("DELETE", "/items/5")).Status);
        Assert.Equal(405, (await pair.SameAsync("PATCH", "/items/5")).Status);
        Assert.Equal("sink POST /sink/x", (await pair.SameAsync("POST", "/sink/x", [("content-type", "text/plain")], Encoding.ASCII.GetBytes("x"))).Text);
    }

    [SkippableFact]
    public async Task A_keep_alive_sequence_is_answered_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var responses = await pair.SameSequenceAsync(
            new RawRequest("GET", "/"),
            new RawRequest("GET", "/stream"),
            new RawRequest("GET", "/errors/teapot"),
            new RawRequest("DELETE", "/items/1"),
            new RawRequest("POST", "/items", s_json, Encoding.UTF8.GetBytes("{\"name\": \"x\"}")));
        Assert.Equal([200, 200, 418, 204, 201], responses.Select(r => r.Status));
    }

    [SkippableFact]
    public async Task A_WebSocket_responder_behaves_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/room1", ["hi", "json", "close"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Text: room1: hi", "Text: {\"room\": \"room1\"}", "close 4001 "], bridge);

        (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/room2", ["x"], subprotocol: "chat");
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: chat", "Text: room2: x", "closed 1000"], bridge);

        // A binary message where text is expected: Falcon closes with 1003.
        (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/room3", ["bytes:hi"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "close 1003 "], bridge);

        (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws-binary", ["bytes:abc"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Binary: cba", "closed 1000"], bridge);
    }

    [SkippableTheory]
    [InlineData("/ws/deny")]
    [InlineData("/ws/forbidden")]
    [InlineData("/nowhere")]
    public async Task A_refused_WebSocket_gets_the_same_403(string path)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // Falcon closes before accepting (its close code is not sent: ASGI's refusal is a 403, an empty one under both).
        var refusal = await pair.SameAsync("GET", path, ServerPair.WebSocketUpgrade);
        Assert.Equal(403, refusal.Status);
    }
}
