using System.Text;
using System.Text.RegularExpressions;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>
/// Quart's sessions, <c>send_file</c>, templates, <c>url_for</c>, streams, HEAD and 204s (apps/quart_extras_app.py),
/// served by AsgiBridge and by uvicorn.
/// </summary>
public sealed partial class QuartExtrasDifferentialTests(QuartExtrasPair pair) : IClassFixture<QuartExtrasPair>
{
    [SkippableTheory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/urls?a=1&a=2")]
    [InlineData("GET", "/urls/")]
    [InlineData("GET", "/file/x%20y")]
    [InlineData("GET", "/download")]
    [InlineData("GET", "/stream")]
    [InlineData("GET", "/status/299")]
    [InlineData("GET", "/status/451")]
    [InlineData("GET", "/json-list")]
    [InlineData("GET", "/nowhere")]
    [InlineData("HEAD", "/")]
    [InlineData("HEAD", "/stream")]
    [InlineData("HEAD", "/file/x")]
    [InlineData("POST", "/empty")]
    [InlineData("OPTIONS", "/")]
    public async Task A_request_is_answered_the_same(string method, string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // send_file's expires header is an hour from now, to the second: the two servers may straddle a second.
        await pair.SameAsync(method, target, normalize: WithoutExpires);
    }

    [SkippableFact]
    public async Task Sessions_proxies_and_bodies_are_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // The signed session cookie holds the time it was signed: its payload is compared.
        var first = await pair.SameAsync("GET", "/session", normalize: Unsigned);
        var cookie = first.Header("set-cookie")!.Split(';')[0];
        Assert.Equal("{\"n\":2}", (await pair.SameAsync("GET", "/session", [("cookie", cookie)], normalize: Unsigned)).Text);
        var forwarded = await pair.SameAsync("GET", "/urls", [("x-forwarded-for", "4.3.2.1"), ("x-forwarded-proto", "https")]);
        Assert.Contains("\"remote\":\"4.3.2.1\"", forwarded.Text, StringComparison.Ordinal);
        Assert.Equal(3_000_000, (await pair.SameAsync("GET", "/big/3000000")).Body.Length);
        Assert.Contains("\"bytes\":3000000", (await pair.SameAsync("POST", "/upload", [("content-type", "application/octet-stream")], new byte[3_000_000])).Text, StringComparison.Ordinal);
        var multipart = Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nv\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n" + new string('q', 100_000) + "\r\n--b--\r\n");
        Assert.Contains("\"files\":{\"f\":100000}", (await pair.SameAsync("POST", "/upload", [("content-type", "multipart/form-data; boundary=b")], multipart)).Text, StringComparison.Ordinal);
        Assert.Contains("\"bytes\":5", (await pair.SameAsync("PUT", "/upload", [("transfer-encoding", "chunked")], Encoding.ASCII.GetBytes("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"))).Text, StringComparison.Ordinal);
        await pair.SameAsync("GET", "/file/x", [("if-modified-since", "Thu, 01 Jan 2037 00:00:00 GMT")], normalize: WithoutExpires);
        var pipelined = await pair.SamePipelinedAsync(
            new RawRequest("GET", "/"),
            new RawRequest("GET", "/stream"),
            new RawRequest("POST", "/upload", Body: Encoding.ASCII.GetBytes("abc")),
            new RawRequest("HEAD", "/"),
            new RawRequest("GET", "/nowhere"));
        Assert.Equal([200, 200, 200, 200, 404], pipelined.Select(r => r.Status));
    }

    [SkippableFact]
    public async Task A_204_with_the_apps_content_length_is_the_documented_difference()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);

        // docs/python.md, "Differences from uvicorn": Quart sends content-length: 0 with its 204; uvicorn passes it on,
        // AsgiBridge drops it (RFC 9110 §8.6: no Content-Length in a 204).
        var (bridge, uvicorn) = await pair.BothAsync("DELETE", "/empty");
        Assert.Equal((204, "0"), (uvicorn.Status, uvicorn.Header("content-length")));
        Assert.Null(bridge.Header("content-length"));
        ServerPair.AssertSame(bridge, uvicorn with { Headers = [.. uvicorn.Headers.Where(h => h.Name != "content-length")] }, "DELETE /empty");
    }

    private static RawResponse WithoutExpires(RawResponse response) =>
        response with { Headers = [.. response.Headers.Where(h => h.Name != "expires")] };

    private static RawResponse Unsigned(RawResponse response) =>
        response with { Headers = [.. response.Headers.Select(h => h.Name == "set-cookie" ? (h.Name, SignedPart().Replace(h.Value, "$1.SIGNED;")) : h)] };

    [GeneratedRegex(@"^(session=[^.;]*)\.[^;]*;")]
    private static partial Regex SignedPart();
}
