using System.Text;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>An unchanged Quart app (apps/quart_app.py) served by AsgiBridge and by uvicorn.</summary>
public sealed class QuartDifferentialTests(QuartPair pair) : IClassFixture<QuartPair>
{
    private static readonly (string, string)[] s_json = [("content-type", "application/json")];

    [SkippableTheory]
    [InlineData("/")]
    [InlineData("/items/5")]
    [InlineData("/items/5?q=a&q=b")]
    [InlineData("/items/abc")]
    [InlineData("/items/5?q=%ZZ&x=%E9&y=caf%C3%A9+au+lait")]
    [InlineData("/files/a/b%2Fc/caf%C3%A9")]
    [InlineData("/missing")]
    [InlineData("/bad")]
    [InlineData("/teapot")]
    [InlineData("/value-error")]
    [InlineData("/boom")]
    [InlineData("/redirect")]
    [InlineData("/guarded")]
    [InlineData("/started")]
    [InlineData("/custom")]
    [InlineData("/nowhere")]
    public async Task A_GET_is_answered_the_same(string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", target);
    }

    [SkippableFact]
    public async Task Error_handlers_and_abort_give_the_same_status_lines()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // The reason phrase is the interpreter's http.HTTPStatus name under both servers ("I'm a Teapot" on 3.11).
        Assert.Equal(418, (await pair.SameAsync("GET", "/teapot")).Status);
        Assert.Equal(409, (await pair.SameAsync("GET", "/value-error")).Status);
        Assert.Equal(500, (await pair.SameAsync("GET", "/boom")).Status);
        Assert.Equal(401, (await pair.SameAsync("GET", "/guarded")).Status);
        Assert.Equal(200, (await pair.SameAsync("GET", "/guarded", [("x-token", "secret")])).Status);
    }

    [SkippableFact]
    public async Task JSON_in_and_out_and_bad_JSON_are_answered_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Equal(201, (await pair.SameAsync("POST", "/json", s_json, Encoding.UTF8.GetBytes("{\"a\": [1, 2], \"é\": null}"))).Status);
        Assert.Equal(201, (await pair.SameAsync("PUT", "/json", s_json, Encoding.UTF8.GetBytes("{\"a\": 1}"))).Status);
        Assert.Equal(400, (await pair.SameAsync("POST", "/json", s_json, Encoding.UTF8.GetBytes("{bad"))).Status);
        Assert.Equal(400, (await pair.SameAsync("POST", "/json", s_json, Encoding.UTF8.GetBytes("[1]"))).Status);
        Assert.Equal(400, (await pair.SameAsync("POST", "/json", [("content-type", "text/plain")], Encoding.UTF8.GetBytes("{}"))).Status);
        Assert.Contains("null", (await pair.SameAsync("POST", "/silent-json", s_json, Encoding.UTF8.GetBytes("{bad"))).Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_form_and_a_file_upload_are_received_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var form = await pair.SameAsync("POST", "/form", [("content-type", "application/x-www-form-urlencoded")], Encoding.ASCII.GetBytes("a=1&a=2&b=two+words&c=%C3%A9"));
        Assert.Contains("two words", form.Text, StringComparison.Ordinal);

        var body = Encoding.ASCII.GetBytes(
            "--b0\r\nContent-Disposition: form-data; name=\"f\"; filename=\"d.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
            new string('q', 300_000) + "\r\n--b0\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nvalue\r\n--b0--\r\n");
        var upload = await pair.SameAsync("POST", "/form", [("content-type", "multipart/form-data; boundary=b0")], body);
        Assert.Contains("\"size\":300000", upload.Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Request_bodies_arrive_whole_however_they_are_framed()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var large = await pair.SameAsync("POST", "/body", [("content-type", "application/octet-stream")], new byte[3_000_000]);
        Assert.Contains("\"bytes\":3000000", large.Text, StringComparison.Ordinal);
        var chunked = await pair.SameAsync("POST", "/body", [("transfer-encoding", "chunked")], Encoding.ASCII.GetBytes("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
        Assert.Contains("\"bytes\":11", chunked.Text, StringComparison.Ordinal);
        var expect = await pair.SameAsync("POST", "/body", [("expect", "100-continue"), ("content-type", "text/plain")], Encoding.ASCII.GetBytes("hello"));
        Assert.Contains("\"bytes\":5", expect.Text, StringComparison.Ordinal);
        Assert.Contains("\"bytes\":0", (await pair.SameAsync("POST", "/body")).Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_streamed_response_is_chunked_by_both()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("GET", "/stream");
        Assert.Equal("chunked", response.Header("transfer-encoding"));
        Assert.Equal("0\n1\n2\n3\n4\n", response.Text);
    }

    [SkippableFact]
    public async Task Headers_and_cookies_go_both_ways_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var custom = await pair.SameAsync("GET", "/custom");
        Assert.Equal(202, custom.Status);
        Assert.Equal(2, custom.Headers.Count(h => h.Name == "set-cookie"));
        Assert.Equal(["a", "b"], custom.Headers.Where(h => h.Name == "x-multi").Select(h => h.Value));

        await pair.SameAsync("GET", "/cookies", [("cookie", "a=1; b=2"), ("cookie", "c=3")]);
        var echoed = await pair.SameAsync("GET", "/headers", [("x-multi", "1"), ("x-multi", "2"), ("x-forwarded-for", "10.0.0.1")]);
        Assert.Contains("\"x-multi\":[\"1\",\"2\"]", echoed.Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task HEAD_OPTIONS_and_other_methods_are_answered_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("HEAD", "/");
        await pair.SameAsync("HEAD", "/stream");
        Assert.Equal(200, (await pair.SameAsync("OPTIONS", "/methods")).Status);
        Assert.Equal(200, (await pair.SameAsync("DELETE", "/methods")).Status);
        Assert.Equal(405, (await pair.SameAsync("PATCH", "/methods")).Status);
    }

    [SkippableFact]
    public async Task An_extension_method_reaches_the_app_where_uvicorns_parser_refuses_it()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // A documented difference (docs/python.md): a method is any token (RFC 9110 §9.1); httptools, uvicorn's
        // parser, knows a fixed list and answers 400 before the app sees it.
        var (bridge, uvicorn) = await pair.BothAsync("FOO", "/methods");
        Assert.Equal(405, bridge.Status);
        Assert.Equal(400, uvicorn.Status);
    }

    [SkippableFact]
    public async Task A_keep_alive_sequence_is_answered_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var responses = await pair.SameSequenceAsync(
            new RawRequest("GET", "/"),
            new RawRequest("POST", "/guarded", [("content-type", "text/plain")], new byte[100_000]),
            new RawRequest("GET", "/stream"),
            new RawRequest("GET", "/missing"),
            new RawRequest("POST", "/json", s_json, Encoding.UTF8.GetBytes("{\"x\": 1}")));
        Assert.Equal([200, 401, 200, 404, 201], responses.Select(r => r.Status));
    }

    [SkippableFact]
    public async Task A_WebSocket_session_is_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // Quart reads in a task of its own, whose receive() is pending before the handler accepts.
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws", ["one", "bytes:abc", "close"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Text: quart: one", "Binary: cba", "close 4001 asked to"], bridge);
    }

    [SkippableFact]
    public async Task A_subprotocol_JSON_and_an_implicit_accept_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws-json", ["{\"a\": 1}"], subprotocol: "p1");
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: p1", "Text: {\"echo\": {\"a\": 1}}", "closed 1000"], bridge);

        (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws-auto", ["x"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Text: auto: x", "closed 1000"], bridge);
    }

    [SkippableFact]
    public async Task A_refused_WebSocket_is_refused_by_both_with_Quarts_own_answer_under_AsgiBridge()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // A documented difference (docs/python.md): AsgiBridge declares the websocket.http.response extension, so Quart
        // answers a refused handshake with its error response; uvicorn 0.17 has no such extension, and Quart closes
        // (ASGI: 403) whatever the error.
        var (bridge, uvicorn) = await pair.BothAsync("GET", "/ws-deny", ServerPair.WebSocketUpgrade);
        Assert.Equal((403, 403), (bridge.Status, uvicorn.Status));
        Assert.Contains("Forbidden", bridge.Text, StringComparison.Ordinal);
        Assert.Empty(uvicorn.Body);

        (bridge, uvicorn) = await pair.BothAsync("GET", "/nowhere", ServerPair.WebSocketUpgrade);
        Assert.Equal((404, 403), (bridge.Status, uvicorn.Status));
    }
}
