using System.Text;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>
/// Django 3.2's responses and middleware (apps/django_extras_app.py, DEBUG=False): streaming and file responses,
/// redirects, APPEND_SLASH, the error pages, cookies, CSRF, an async view and <c>request.META</c>, served by
/// AsgiBridge and by uvicorn.
/// </summary>
public sealed class DjangoExtrasDifferentialTests(DjangoExtrasPair pair) : IClassFixture<DjangoExtrasPair>
{
    private static readonly (string, string)[] s_form = [("content-type", "application/x-www-form-urlencoded")];

    [SkippableTheory]
    [InlineData("GET", "/meta/?a=1&a=2&b=%C3%A9")]
    [InlineData("GET", "/meta")]
    [InlineData("GET", "/meta?x=1")]
    [InlineData("GET", "/stream/")]
    [InlineData("HEAD", "/stream/")]
    [InlineData("GET", "/async-stream/")]
    [InlineData("GET", "/file/")]
    [InlineData("HEAD", "/file/")]
    [InlineData("GET", "/attachment/")]
    [InlineData("GET", "/go/")]
    [InlineData("GET", "/cookies/")]
    [InlineData("GET", "/boom/")]
    [InlineData("GET", "/forbidden/")]
    [InlineData("GET", "/suspicious/")]
    [InlineData("GET", "/missing/")]
    [InlineData("GET", "/nowhere/")]
    [InlineData("GET", "/async/")]
    [InlineData("HEAD", "/async/")]
    [InlineData("HEAD", "/meta/")]
    [InlineData("OPTIONS", "/meta/")]
    [InlineData("GET", "/csrf/")]
    [InlineData("GET", "/only-post/")]
    [InlineData("GET", "/caf%C3%A9/")]
    [InlineData("GET", "/caf%C3%A9")]
    [InlineData("GET", "/a%2Fb/")]
    [InlineData("GET", "/meta/%20x")]
    public async Task A_request_is_answered_the_same(string method, string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync(method, target, [("x-custom", "v")]);
    }

    [SkippableFact]
    public async Task Bodies_forms_and_CSRF_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Equal("{\"bytes\": 13, \"post\": {\"a\": [\"1\", \"2\"], \"b\": [\"x y\"]}}", (await pair.SameAsync("POST", "/echo/", s_form, Encoding.ASCII.GetBytes("a=1&a=2&b=x+y"))).Text);
        Assert.Contains("\"bytes\": 7", (await pair.SameAsync("POST", "/echo/", [("transfer-encoding", "chunked")], Encoding.ASCII.GetBytes("3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"))).Text, StringComparison.Ordinal);
        Assert.Contains("\"bytes\": 2000000", (await pair.SameAsync("POST", "/echo/", [("content-type", "application/octet-stream")], new byte[2_000_000])).Text, StringComparison.Ordinal);

        // Over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): Django's 400 page.
        Assert.Equal(400, (await pair.SameAsync("POST", "/echo/", [("content-type", "application/octet-stream")], new byte[3_000_000])).Status);
        Assert.Equal(2_000_000, (await pair.SameAsync("GET", "/big/2000000/")).Body.Length);
        Assert.Equal(403, (await pair.SameAsync("POST", "/csrf/", s_form, Encoding.ASCII.GetBytes("a=1"))).Status);
        // CSRF checks a PUT before require_POST sees it.
        Assert.Equal(403, (await pair.SameAsync("PUT", "/only-post/", s_form, Encoding.ASCII.GetBytes("a"))).Status);

        // APPEND_SLASH redirects a POST too when DEBUG is off (with DEBUG on, Django raises instead).
        Assert.Equal(301, (await pair.SameAsync("POST", "/meta", s_form, Encoding.ASCII.GetBytes("a=1"))).Status);
    }

    [SkippableFact]
    public async Task Hosts_and_proxy_headers_are_seen_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        Assert.Equal(400, (await pair.SameAsync("GET", "/meta/", [("host", "evil.com")])).Status);
        var forwarded = await pair.SameAsync("GET", "/meta/", [("x-forwarded-for", "5.6.7.8"), ("x-forwarded-proto", "https")]);
        Assert.Contains("\"REMOTE_ADDR\": \"5.6.7.8\"", forwarded.Text, StringComparison.Ordinal);
        Assert.Contains("\"secure\": true", forwarded.Text, StringComparison.Ordinal);
        Assert.Equal("close", (await pair.SameAsync("GET", "/meta/", [("connection", "close")])).Header("connection"));
    }

    [SkippableFact]
    public async Task A_204_with_the_content_length_Django_adds_is_the_documented_difference()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // docs/python.md, "Differences from uvicorn": CommonMiddleware adds content-length: 0 to the 204; uvicorn passes
        // it on, AsgiBridge drops it (RFC 9110 §8.6).
        var (bridge, uvicorn) = await pair.BothAsync("DELETE", "/no-content/");
        Assert.Equal((204, "0"), (uvicorn.Status, uvicorn.Header("content-length")));
        Assert.Null(bridge.Header("content-length"));
        ServerPair.AssertSame(bridge, uvicorn with { Headers = [.. uvicorn.Headers.Where(h => h.Name != "content-length")] }, "DELETE /no-content/");
    }

    [SkippableFact]
    public async Task A_keep_alive_sequence_is_answered_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var responses = await pair.SameSequenceAsync(
            new RawRequest("GET", "/meta/"),
            new RawRequest("GET", "/stream/"),
            new RawRequest("POST", "/echo/", s_form, Encoding.ASCII.GetBytes("a=1")),
            new RawRequest("GET", "/nowhere/"),
            new RawRequest("GET", "/file/"),
            new RawRequest("GET", "/boom/"),
            new RawRequest("GET", "/meta"));
        Assert.Equal([200, 200, 200, 404, 200, 500, 301], responses.Select(r => r.Status));
        var pipelined = await pair.SamePipelinedAsync(
            new RawRequest("GET", "/meta/"),
            new RawRequest("GET", "/stream/"),
            new RawRequest("POST", "/echo/", s_form, Encoding.ASCII.GetBytes("a=1")),
            new RawRequest("HEAD", "/file/"),
            new RawRequest("GET", "/file/"));
        Assert.Equal([200, 200, 200, 200, 200], pipelined.Select(r => r.Status));
    }
}
