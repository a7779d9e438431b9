using System.Net;
using System.Text;
using AsgiBridge.Testing;
using AsgiBridge.Tests.HttpContextBackend;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AsgiBridge.Tests.Extensions;

/// <summary>
/// <c>http.response.trailers</c> on every backend that carries trailer fields: the HTTP/1.1 handler (the last chunk,
/// when the request sent <c>TE: trailers</c>), the HttpContext backend over HTTP/2 (a HEADERS frame), and the test
/// client; where the extension is not declared the announcement is honoured and the fields are dropped.
/// </summary>
public sealed class TrailersTests
{
    /// <summary>Reports whether the scope declares the extension, then sends "Hello" with a checksum trailer.</summary>
    private static readonly AsgiApp s_app = async (scope, receive, send) =>
    {
        var declared = scope.Extensions.ContainsKey("http.response.trailers");
        await send(new HttpResponseStartEvent(200, [new("content-type", "text/plain"), new("trailer", "x-checksum"), new("x-declared", declared ? "yes" : "no")]) { Trailers = true });
        await send(new HttpResponseBodyEvent("Hel"u8.ToArray(), moreBody: true));
        await send(new HttpResponseBodyEvent("lo"u8.ToArray()));
        await send(new HttpResponseTrailersEvent([new("x-checksum", "abc")], moreTrailers: true));
        await send(new HttpResponseTrailersEvent([new("x-count", "2")]));
    };

    [Fact]
    public async Task Http11_with_te_trailers_gets_them_in_the_last_chunk_and_the_connection_stays_usable()
    {
        await using var server = await TestServer.StartAsync(s_app);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET /a HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nTE: gzip, trailers\r\nConnection: close\r\n\r\n");
        var text = await client.ReadToEndAsync();

        const string Answer = "x-declared: yes\r\n";
        const string Body = "\r\n\r\n3\r\nHel\r\n2\r\nlo\r\n0\r\nx-checksum: abc\r\nx-count: 2\r\n\r\n";
        Assert.Equal(2, Count(text, Answer));
        Assert.Equal(2, Count(text, "transfer-encoding: chunked\r\n"));
        Assert.Equal(2, Count(text, Body));
        Assert.EndsWith(Body, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_te_trailers_the_extension_is_not_declared_and_the_body_ends_with_an_empty_last_chunk()
    {
        await using var server = await TestServer.StartAsync(s_app);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var text = await client.ReadToEndAsync();

        Assert.Equal(2, Count(text, "x-declared: no\r\n"));
        Assert.Equal(2, Count(text, "\r\n\r\n3\r\nHel\r\n2\r\nlo\r\n0\r\n\r\n"));
        Assert.DoesNotContain("x-checksum", text.Replace("trailer: x-checksum", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http10_never_gets_the_extension_even_with_te_trailers()
    {
        await using var server = await TestServer.StartAsync(s_app);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.0\r\nTE: trailers\r\n\r\n");
        var text = await client.ReadToEndAsync();

        Assert.Contains("x-declared: no\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nHello", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http11_trailers_with_a_content_length_are_refused_with_a_clean_500()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
            await send(new HttpResponseStartEvent(200, [new("content-length", "5")]) { Trailers = true }));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n");
        var text = await client.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", text, StringComparison.Ordinal);
        Assert.Contains(server.Logs.Entries, e => (e.Exception?.Message ?? e.Message).Contains("'trailers': true with a content-length header", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_app_that_returns_without_its_announced_trailers_leaves_the_chunked_body_unterminated_and_closes()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200) { Trailers = true });
            await send(new HttpResponseBodyEvent("body"u8.ToArray()));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n");
        var text = await client.ReadToEndAsync();

        // The client must not take it for a complete response: no last chunk, and the server closed the connection.
        Assert.EndsWith("\r\n\r\n4\r\nbody\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_http2_the_trailers_arrive_as_trailing_headers()
    {
        await using var host = await AspNetCoreHost.StartAsync(false, web => web.MapAsgi("/asgi", s_app), builder =>
        {
            builder.Services.AddAsgi(o => o.Lifespan = AsgiLifespanMode.Off);
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        });
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.GetAsync(new Uri(host.BaseUri, "/asgi/t"));

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("Hello", await response.Content.ReadAsStringAsync());
        Assert.Equal("yes", response.Headers.GetValues("x-declared").Single());
        Assert.Equal("abc", response.TrailingHeaders.GetValues("x-checksum").Single());
        Assert.Equal("2", response.TrailingHeaders.GetValues("x-count").Single());
    }

    [Fact]
    public async Task Under_the_test_client_a_request_with_te_trailers_gets_them()
    {
        await using var client = new AsgiTestClient(s_app);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/t", UriKind.Relative));
        request.Headers.TE.Add(new System.Net.Http.Headers.TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await client.HttpClient.SendAsync(request);

        Assert.Equal("Hello", await response.Content.ReadAsStringAsync());
        Assert.Equal("yes", response.Headers.GetValues("x-declared").Single());
        Assert.Equal("abc", response.TrailingHeaders.GetValues("x-checksum").Single());
    }

    [Fact]
    public async Task Kestrels_http11_under_MapAsgi_cannot_send_trailers_so_it_never_declares_them()
    {
        await using var host = await AspNetCoreHost.StartAsync(false, web => web.MapAsgi("/asgi", s_app), builder =>
            builder.Services.AddAsgi(o => o.Lifespan = AsgiLifespanMode.Off));
        using var client = await RawClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.BaseUri.Port));
        await client.SendAsync("GET /asgi/a HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\nGET /asgi/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var text = await client.ReadToEndAsync();

        // Kestrel's HTTP/1.1 offers no response trailers feature, even to TE: trailers: the announcement is honoured,
        // the body ends with an empty last chunk, and the connection is reused.
        Assert.Equal(2, Count(text, "x-declared: no\r\n"));
        Assert.Equal(2, Count(text, "\r\n\r\n3\r\nHel\r\n2\r\nlo\r\n0\r\n\r\n"));
        Assert.DoesNotContain("x-checksum: abc", text, StringComparison.Ordinal);
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
