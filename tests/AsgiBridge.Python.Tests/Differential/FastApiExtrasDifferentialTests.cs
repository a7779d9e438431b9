using System.Text;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>
/// FastAPI's extras (apps/fastapi_extras_app.py): the docs pages, <c>response_model</c>, 204s, <c>Form</c>,
/// <c>Cookie</c>/<c>Header</c> parameters, a <c>yield</c> dependency, <c>@app.middleware("http")</c> (Starlette's
/// BaseHTTPMiddleware) in front of streams, an <c>APIRouter</c> prefix, startup events, exception handlers and a
/// WebSocket with a query parameter and a dependency, served by AsgiBridge and by uvicorn.
/// </summary>
public sealed class FastApiExtrasDifferentialTests(FastApiExtrasPair pair) : IClassFixture<FastApiExtrasPair>
{
    private static readonly (string, string)[] s_json = [("content-type", "application/json")];
    private static readonly (string, string)[] s_form = [("content-type", "application/x-www-form-urlencoded")];

    [SkippableTheory]
    [InlineData("GET", "/openapi.json")]
    [InlineData("GET", "/docs")]
    [InlineData("GET", "/redoc")]
    [InlineData("GET", "/docs/oauth2-redirect")]
    [InlineData("GET", "/docs/")]
    [InlineData("GET", "/api/v1/things/3?tags=a&tags=b")]
    [InlineData("GET", "/api/v1/things/x")]
    [InlineData("GET", "/api/v1/things/3/")]
    [InlineData("GET", "/events")]
    [InlineData("HEAD", "/events")]
    [InlineData("OPTIONS", "/events")]
    [InlineData("POST", "/events")]
    [InlineData("GET", "/teapot/earl")]
    [InlineData("GET", "/auth")]
    [InlineData("GET", "/detail")]
    [InlineData("DELETE", "/items/3")]
    [InlineData("DELETE", "/implicit/3")]
    [InlineData("GET", "/set-cookie")]
    [InlineData("GET", "/html")]
    [InlineData("GET", "/redirect")]
    [InlineData("GET", "/stream")]
    [InlineData("GET", "/sync-stream")]
    [InlineData("GET", "/query?q=toolong")]
    [InlineData("GET", "/query?n=0")]
    [InlineData("GET", "/query?q=ok&n=3")]
    [InlineData("GET", "/boom")]
    [InlineData("GET", "/blocked")]
    [InlineData("GET", "/request")]
    [InlineData("GET", "/nowhere")]
    public async Task A_request_is_answered_the_same(string method, string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync(method, target);
    }

    [SkippableFact]
    public async Task A_response_model_filters_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var created = await pair.SameAsync("POST", "/api/v1/users", s_json, Encoding.UTF8.GetBytes("{\"name\":\"a\",\"password\":\"p\",\"email\":\"e@x\"}"));
        Assert.Equal("{\"name\":\"a\",\"email\":\"e@x\"}", created.Text);
        Assert.Equal(422, (await pair.SameAsync("POST", "/api/v1/users", s_json, Encoding.UTF8.GetBytes("{\"name\":\"a\"}"))).Status);
    }

    [SkippableFact]
    public async Task Form_fields_cookies_and_header_parameters_are_read_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Contains("\"remember\":true", (await pair.SameAsync("POST", "/login", s_form, Encoding.ASCII.GetBytes("username=ada&password=secret&remember=true"))).Text, StringComparison.Ordinal);
        Assert.Equal(422, (await pair.SameAsync("POST", "/login", s_form, Encoding.ASCII.GetBytes("username=ada"))).Status);
        var multipart = Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\ny\r\n--b--\r\n");
        Assert.Equal(200, (await pair.SameAsync("POST", "/login", [("content-type", "multipart/form-data; boundary=b")], multipart)).Status);
        var whoami = await pair.SameAsync("GET", "/whoami", [("cookie", "session_id=s1; other=2"), ("user-agent", "test/1.0"), ("x-tags", "a"), ("x-tags", "b")]);
        Assert.Equal("{\"session_id\":\"s1\",\"user_agent\":\"test/1.0\",\"x_tags\":[\"a\",\"b\"]}", whoami.Text);
    }

    [SkippableFact]
    public async Task Proxy_headers_and_a_keep_alive_sequence_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var forwarded = await pair.SameAsync("GET", "/request", [("x-forwarded-for", "9.9.9.9"), ("x-forwarded-proto", "https")]);
        Assert.Contains("\"client\":\"9.9.9.9\",\"scheme\":\"https\"", forwarded.Text, StringComparison.Ordinal);
        var responses = await pair.SameSequenceAsync(
            new RawRequest("GET", "/events"),
            new RawRequest("GET", "/stream"),
            new RawRequest("POST", "/login", s_form, Encoding.ASCII.GetBytes("username=a&password=b")),
            new RawRequest("GET", "/blocked"),
            new RawRequest("DELETE", "/items/1"),
            new RawRequest("GET", "/nowhere"));
        Assert.Equal([200, 200, 200, 403, 204, 404], responses.Select(r => r.Status));
        var pipelined = await pair.SamePipelinedAsync(
            new RawRequest("GET", "/events"),
            new RawRequest("GET", "/stream"),
            new RawRequest("POST", "/login", s_form, Encoding.ASCII.GetBytes("username=a&password=b")),
            new RawRequest("HEAD", "/events"),
            new RawRequest("GET", "/boom"));
        Assert.Equal([200, 200, 200, 405, 500], pipelined.Select(r => r.Status));
    }

    [SkippableFact]
    public async Task A_WebSocket_with_a_query_parameter_and_a_dependency_behaves_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/lobby?token=secret&q=7", ["{\"x\": 1}", "[1, 2]"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Text: {\"room\": \"lobby\", \"q\": 7, \"data\": {\"x\": 1}}", "Text: {\"room\": \"lobby\", \"q\": 7, \"data\": [1, 2]}", "closed 1000"], bridge);

        // Closed before accept: a 403 to the handshake under both.
        (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/lobby?token=wrong", ["x"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(403, (await pair.SameAsync("GET", "/ws/lobby", ServerPair.WebSocketUpgrade)).Status);
        Assert.Equal(403, (await pair.SameAsync("GET", "/ws/lobby?token=secret&q=notanint", ServerPair.WebSocketUpgrade)).Status);
    }
}
