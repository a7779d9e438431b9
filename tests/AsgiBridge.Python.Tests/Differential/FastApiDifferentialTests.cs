using System.Text;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>An unchanged FastAPI app (apps/fastapi_app.py) served by AsgiBridge and by uvicorn.</summary>
public sealed class FastApiDifferentialTests(FastApiPair pair) : IClassFixture<FastApiPair>
{
    [SkippableTheory]
    [InlineData("/")]
    [InlineData("/items/5")]
    [InlineData("/items/5?q=search&limit=3")]
    [InlineData("/items/abc")]
    [InlineData("/items/5?limit=many")]
    [InlineData("/openapi.json")]
    [InlineData("/docs")]
    [InlineData("/sync")]
    [InlineData("/missing")]
    public async Task A_GET_is_answered_the_same(string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", target);
    }

    [SkippableFact]
    public async Task Validation_errors_are_422_with_the_same_detail()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("GET", "/items/abc");
        Assert.Equal(422, response.Status);
        var invalid = await pair.SameAsync("POST", "/items", [("content-type", "application/json")], Encoding.UTF8.GetBytes("{\"name\": 3}"));
        Assert.Equal(422, invalid.Status);
        var malformed = await pair.SameAsync("POST", "/items", [("content-type", "application/json")], Encoding.UTF8.GetBytes("{not json"));
        Assert.Equal(422, malformed.Status);
    }

    [SkippableFact]
    public async Task A_valid_body_is_201()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("POST", "/items", [("content-type", "application/json")], Encoding.UTF8.GetBytes("{\"name\": \"pen\", \"price\": 1.5, \"tags\": [\"a\"]}"));
        Assert.Equal(201, response.Status);
    }

    [SkippableFact]
    public async Task A_dependency_guards_the_route_the_same_way()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Equal(401, (await pair.SameAsync("GET", "/private")).Status);
        Assert.Equal(401, (await pair.SameAsync("GET", "/private", [("x-token", "wrong")])).Status);
        Assert.Equal(200, (await pair.SameAsync("GET", "/private", [("x-token", "secret")])).Status);
    }

    [SkippableFact]
    public async Task An_UploadFile_is_received_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var body = Encoding.ASCII.GetBytes(
            "--b0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
            new string('q', 1_200_000) + "\r\n--b0--\r\n");
        var response = await pair.SameAsync("POST", "/upload", [("content-type", "multipart/form-data; boundary=b0")], body);
        Assert.Contains("\"size\":1200000", response.Text, StringComparison.Ordinal);
        Assert.Equal(400, (await pair.SameAsync("POST", "/upload", [("content-type", "multipart/form-data; boundary=b0")], Encoding.ASCII.GetBytes("--b0--\r\n"))).Status);
    }

    [SkippableFact]
    public async Task A_WebSocket_route_behaves_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws", ["a", "b"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Text: fastapi: a", "Text: fastapi: b", "closed 1000"], bridge);
    }
}
