using System.Net;
using AsgiBridge.Host.Apps;
using AsgiBridge.Host.Cli;
using AsgiBridge.Hosting;
using AsgiBridge.Tests.HttpContextBackend;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// <c>Asgi:Headers</c>, uvicorn's <c>--header NAME:VALUE</c>: every response the server writes carries them, the
/// application's headers add to them, a default <c>server</c> replaces the server's own.
/// </summary>
public sealed class DefaultHeadersTests
{
    /// <summary>An app that sets its own <c>x-frame-options</c> and, on <c>/server</c>, its own <c>server</c>.</summary>
    private static readonly AsgiApp s_app = static async (scope, receive, send) =>
    {
        if (scope.Type != "http")
        {
            return;
        }

        AsgiHeader[] headers = scope.Path == "/server"
            ? [new("content-type", "text/plain"), new("server", "app")]
            : [new("content-type", "text/plain"), new("x-frame-options", "SAMEORIGIN")];
        await send(new HttpResponseStartEvent(200, headers));
        await send(new HttpResponseBodyEvent("ok"u8.ToArray()));
    };

    [Theory]
    [InlineData("X-Frame-Options:DENY", "x-frame-options", "DENY")]
    [InlineData("x-a: spaced value \t", "x-a", "spaced value")]
    [InlineData("x-empty:", "x-empty", "")]
    [InlineData("x-colon:a:b", "x-colon", "a:b")]
    [InlineData("Server:edge", "server", "edge")]
    public void An_entry_splits_at_its_first_colon_with_the_name_lower_cased(string entry, string name, string value)
    {
        Assert.True(DefaultResponseHeaders.TryParse(entry, out var parsedName, out var parsedValue, out var problem), problem);
        Assert.Equal(name, parsedName);
        Assert.Equal(value, parsedValue);
    }

    [Theory]
    [InlineData("no-colon", "':'")]
    [InlineData(":value", "token")]
    [InlineData("x a:1", "token")]
    [InlineData("x-a :1", "token")]
    [InlineData("x-a:1\r\nx-b: 2", "CR, LF or NUL")]
    [InlineData("x-a:1\0", "CR, LF or NUL")]
    [InlineData("x-a:caf\u00e9", "visible ASCII")]
    [InlineData("x-a:\u0001", "visible ASCII")]
    [InlineData("Content-Length:5", "content-length")]
    [InlineData("transfer-encoding:chunked", "transfer-encoding")]
    [InlineData("connection:close", "connection")]
    [InlineData("date:today", "Asgi:DateHeader")]
    public void A_malformed_entry_is_refused_at_start_up_naming_the_setting(string entry, string problem)
    {
        Assert.False(DefaultResponseHeaders.TryParse(entry, out _, out _, out var said));
        Assert.Contains(problem, said, StringComparison.Ordinal);

        var result = new AsgiServerOptionsValidator().Validate(null, new AsgiServerOptions { Headers = ["x-ok:1", entry] });
        Assert.True(result.Failed);
        var message = Assert.Single(result.Failures!);
        Assert.StartsWith("Asgi:Headers:1 must be NAME:VALUE", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\r', message);
    }

    [Fact]
    public async Task The_header_flag_binds_as_a_list_in_order()
    {
        var args = CommandLine.Parse(["--header", "X-A:1", "--header=x-b: 2"]).ToArgs();
        Assert.Equal(["--Asgi:Headers:0=X-A:1", "--Asgi:Headers:1=x-b: 2"], args);
        await using var server = await TestServer.StartAsync(HelloApp.App, args: args);
        var options = server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AsgiServerOptions>>().Value;
        Assert.Equal(["X-A:1", "x-b: 2"], options.Headers);
    }

    [Fact]
    public async Task Every_response_of_the_http1_handler_carries_them_and_the_apps_own_add_to_them()
    {
        var args = CommandLine.Parse(["--header", "X-Frame-Options:DENY", "--header", "x-served-by: node-1"]).ToArgs();
        await using var server = await TestServer.StartAsync(s_app, args: args);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /server HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = await client.ReadResponsesAsync(2);

        // As uvicorn: the default is sent and the app's header of the same name too.
        var first = responses[0];
        Assert.Equal(["DENY", "SAMEORIGIN"], first.Headers.Where(h => h.Name == "x-frame-options").Select(h => h.Value).Order(StringComparer.Ordinal));
        Assert.Equal("node-1", first.Header("x-served-by"));
        Assert.Equal("asgibridge", first.Header("server"));
        Assert.Equal(1, first.HeaderCount("date"));

        // The app's own server header still keeps the server's out.
        var second = responses[1];
        Assert.Equal("app", Assert.Single(second.Headers, h => h.Name == "server").Value);
        Assert.Equal("DENY", second.Header("x-frame-options"));

        // The server's own answers carry them too (uvicorn's 400 does).
        using var bad = await RawClient.ConnectAsync(server);
        await bad.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n");
        var refused = await bad.ReadResponseAsync();
        Assert.Equal(400, refused.Status);
        Assert.Equal("DENY", refused.Header("x-frame-options"));
        Assert.Equal("node-1", refused.Header("x-served-by"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_default_server_header_replaces_the_servers_own_even_when_that_is_off(bool serverHeader)
    {
        string[] flags = ["--header", "Server:edge", serverHeader ? "--server-header" : "--no-server-header"];
        await using var server = await TestServer.StartAsync(HelloApp.App, args: CommandLine.Parse(flags).ToArgs());
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal("edge", Assert.Single(response.Headers, h => h.Name == "server").Value);
    }

    [Fact]
    public async Task Without_the_setting_the_head_is_unchanged()
    {
        await using var server = await TestServer.StartAsync(HelloApp.App);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(["content-type", "date", "server", "content-length"], response.Headers.Select(h => h.Name));
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task The_httpcontext_backend_adds_them_too(string version)
    {
        await using var host = await AspNetCoreHost.StartAsync(false, web => web.MapAsgi("/asgi", s_app), builder =>
        {
            builder.Services.AddAsgi(o =>
            {
                o.Lifespan = AsgiLifespanMode.Off;
                o.Headers = ["X-Frame-Options:DENY", "Server:edge"];
            });
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = version == "2" ? HttpProtocols.Http2 : HttpProtocols.Http1));
        });
        using var client = new HttpClient { DefaultRequestVersion = version == "2" ? HttpVersion.Version20 : HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.GetAsync(new Uri(host.BaseUri, "/asgi/x"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["DENY", "SAMEORIGIN"], response.Headers.GetValues("x-frame-options").Order(StringComparer.Ordinal));
        Assert.Equal("edge", Assert.Single(response.Headers.GetValues("server")));
    }
}
