using System.IO.Compression;
using System.Text;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>An unchanged Starlette app (apps/starlette_app.py) served by AsgiBridge and by uvicorn.</summary>
public sealed class StarletteDifferentialTests(StarlettePair pair) : IClassFixture<StarlettePair>
{
    [SkippableTheory]
    [InlineData("/")]
    [InlineData("/?a=1&b=%C3%A9")]
    [InlineData("/items/42")]
    [InlineData("/items/not-a-number")]
    [InlineData("/nowhere")]
    [InlineData("/stream")]
    [InlineData("/file")]
    [InlineData("/lifespan")]
    public async Task A_GET_is_answered_the_same(string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", target);
    }

    [SkippableFact]
    public async Task A_method_not_allowed_is_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("GET", "/form");
        Assert.Equal(405, response.Status);
    }

    [SkippableFact]
    public async Task A_HEAD_of_a_file_is_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("HEAD", "/file");
    }

    [SkippableFact]
    public async Task A_urlencoded_form_is_parsed_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("POST", "/form", [("content-type", "application/x-www-form-urlencoded")], Encoding.ASCII.GetBytes("name=Ada+Lovelace&lang=py&lang=cs"));
        Assert.Contains("Ada Lovelace", response.Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_multipart_upload_is_parsed_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var file = new string('z', 200_000);
        var body = Encoding.ASCII.GetBytes(
            "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nreport\r\n" +
            $"--XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n{file}\r\n" +
            "--XyZ--\r\n");
        var response = await pair.SameAsync("POST", "/form", [("content-type", "multipart/form-data; boundary=XyZ")], body);
        Assert.Contains("\"size\":200000", response.Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_background_task_runs_after_the_response()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", "/background?name=one");
        await pair.SameAsync("GET", "/background?name=two");

        // The task runs after the body is sent, within the same app call: wait until both servers have run it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        RawResponse bridge, uvicorn;
        do
        {
            (bridge, uvicorn) = await pair.BothAsync("GET", "/background/status");
        }
        while ((!bridge.Text.Contains("two", StringComparison.Ordinal) || !uvicorn.Text.Contains("two", StringComparison.Ordinal)) && DateTime.UtcNow < deadline && await Delay());

        ServerPair.AssertSame(bridge, uvicorn, "GET /background/status");
        Assert.Equal("[\"one\",\"two\"]", bridge.Text);
    }

    [SkippableFact]
    public async Task A_gzip_response_is_the_same_once_decompressed()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // gzip's header holds the time of compression: the bytes may differ by that field, the content may not.
        var response = await pair.SameAsync("GET", "/big", [("accept-encoding", "gzip")], normalize: Gunzip);
        Assert.Equal("gzip", response.Header("content-encoding"));
        await pair.SameAsync("GET", "/big");
    }

    [SkippableFact]
    public async Task CORS_preflight_and_simple_requests_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var preflight = await pair.SameAsync("OPTIONS", "/", [("origin", "https://example.org"), ("access-control-request-method", "POST"), ("access-control-request-headers", "x-token")]);
        Assert.Equal("https://example.org", preflight.Header("access-control-allow-origin"));
        await pair.SameAsync("OPTIONS", "/", [("origin", "https://evil.example"), ("access-control-request-method", "POST")]);
        await pair.SameAsync("GET", "/", [("origin", "https://example.org")]);
    }

    [SkippableFact]
    public async Task A_request_body_is_read_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("PUT", "/echo", [("content-type", "application/octet-stream")], new byte[1_500_000]);
        Assert.Equal("1500000 bytes", response.Text);
    }

    [SkippableFact]
    public async Task A_WebSocket_endpoint_behaves_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws", ["hi", "there", "bye"]);
        Assert.Equal(uvicorn, bridge);
        Assert.Equal(["subprotocol: ", "Text: {\"got\": \"hi\"}", "Text: {\"got\": \"there\"}", "close 4001 "], bridge);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50);
        return true;
    }

    private static RawResponse Gunzip(RawResponse response)
    {
        if (response.Header("content-encoding") != "gzip")
        {
            return response;
        }

        using var input = new GZipStream(new MemoryStream(response.Body), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return response with { Body = output.ToArray() };
    }
}
