using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// <c>Asgi:Protocols</c> over real sockets: on one TLS port, ALPN <c>h2</c> reaches Kestrel's HTTP/2 stack and the
/// ASP.NET Core pipeline, <c>http/1.1</c> and no ALPN reach AsgiBridge's handler; <c>Http2</c> makes a cleartext port
/// speak h2c with prior knowledge; <c>Http1</c> (the default) never offers h2. Over HTTP/2 the same ASGI app answers
/// through the HttpContext backend (<c>builder.WebHost.UseAsgi</c> puts it ahead of the pipeline), with
/// <c>http_version</c> "2"; the pipeline's own marker, mapped after it, is never reached.
/// </summary>
public sealed class ProtocolDispatchTests
{
    private const string PipelineMarker = "pipeline ";

    [Fact]
    public async Task Http1AndHttp2_sends_alpn_h2_to_kestrel_and_http11_to_the_asgi_handler_on_one_port()
    {
        using var certificate = TestCertificates.Create();
        await using var host = await StartAsync("Http1AndHttp2", listen => listen.UseHttps(certificate).UseAsgi(EchoApp.App));
        var address = new Uri(new Uri(AddressOf(host)), "/one-port");

        AssertAsgiOverHttp2(await GetAsync(address, HttpVersion.Version20));
        using var json = JsonDocument.Parse(await GetAsync(address, HttpVersion.Version11));
        Assert.Equal("https", json.RootElement.GetProperty("scheme").GetString());
        Assert.Equal("1.1", json.RootElement.GetProperty("http_version").GetString());
        Assert.Equal("/one-port", json.RootElement.GetProperty("path").GetString());
    }

    [Theory]
    [InlineData(new[] { "h2", "http/1.1" }, "h2")]
    [InlineData(new[] { "http/1.1" }, "http/1.1")]
    [InlineData(new string[0], "")]
    public async Task Http1AndHttp2_offers_both_by_alpn_and_a_client_without_alpn_gets_http11(string[] offered, string negotiated)
    {
        using var certificate = TestCertificates.Create();
        await using var host = await StartAsync("Http1AndHttp2", listen => listen.UseHttps(certificate).UseAsgi(EchoApp.App));
        var endpoint = new Uri(AddressOf(host));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, endpoint.Port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString(),
            ApplicationProtocols = [.. offered.Select(p => new SslApplicationProtocol(p))],
        });
        Assert.Equal(negotiated, tls.NegotiatedApplicationProtocol.ToString());
        if (negotiated != "h2")
        {
            await tls.WriteAsync("GET /raw HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray());
            var response = await new StreamReader(tls).ReadToEndAsync();
            Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
            Assert.Contains("\"path\":\"/raw\"", response, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Http1_never_offers_h2_and_http2_clients_fall_back_to_the_asgi_handler()
    {
        using var certificate = TestCertificates.Create();
        await using var host = await StartAsync("Http1", listen => listen.UseHttps(certificate).UseAsgi(EchoApp.App));
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(AddressOf(host)), "/fallback")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpVersion.Version11, response.Version);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("1.1", json.RootElement.GetProperty("http_version").GetString());
    }

    [Fact]
    public async Task Http2_on_a_cleartext_endpoint_speaks_h2c_with_prior_knowledge()
    {
        await using var host = await StartAsync("Http2", listen => listen.UseAsgi(EchoApp.App));
        AssertAsgiOverHttp2(await GetAsync(new Uri(new Uri(AddressOf(host)), "/h2c"), HttpVersion.Version20));
    }

    [Fact]
    public async Task Http2_applies_to_endpoints_served_through_the_endpoint_defaults_too()
    {
        await using var host = await StartAsync("Http2", listen => { });
        AssertAsgiOverHttp2(await GetAsync(new Uri(new Uri(AddressOf(host)), "/defaults"), HttpVersion.Version20));
    }

    [Fact]
    public async Task Http1AndHttp2_on_a_cleartext_endpoint_is_http11_by_the_asgi_handler()
    {
        await using var host = await StartAsync("Http1AndHttp2", listen => listen.UseAsgi(EchoApp.App));
        using var json = JsonDocument.Parse(await GetAsync(new Uri(new Uri(AddressOf(host)), "/plain"), HttpVersion.Version11));
        Assert.Equal("http", json.RootElement.GetProperty("scheme").GetString());
    }

    [Theory]
    [InlineData("None")]
    [InlineData("h2")]
    public async Task Other_protocol_values_are_refused_at_startup_naming_the_setting(string value)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await StartAsync(value, listen => listen.UseAsgi(EchoApp.App));
        });
        Assert.Contains("Asgi:Protocols", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_the_takeover_Kestrels_server_wide_data_rates_are_the_Asgi_ones_for_its_http2_streams()
    {
        var builder = WebApplication.CreateSlimBuilder(["--Asgi:MinRequestBodyDataRate:BytesPerSecond=1000", "--Asgi:MinRequestBodyDataRate:GracePeriod=00:00:02", "--Asgi:MinResponseDataRate=null", "--Asgi:Lifespan=off"]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseAsgi(EchoApp.App);
        await using var host = builder.Build();
        var limits = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value.Limits;

        Assert.Equal(1000, limits.MinRequestBodyDataRate!.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(2), limits.MinRequestBodyDataRate.GracePeriod);
        Assert.Null(limits.MinResponseDataRate);
    }

    [Theory]
    [InlineData("Http3")]
    [InlineData("Http1AndHttp2AndHttp3")]
    public async Task Http3_values_start_where_QUIC_is_supported_and_are_refused_naming_libmsquic_where_not(string value)
    {
        var start = Record.ExceptionAsync(async () =>
        {
            await using var host = await StartAsync(value, listen => listen.UseAsgi(EchoApp.App));
        });
        var ex = await start;
        if (System.Net.Quic.QuicListener.IsSupported)
        {
            Assert.Null(ex);
        }
        else
        {
            Assert.NotNull(ex);
            Assert.Contains($"Asgi:Protocols is {value}, but this host cannot serve HTTP/3: QUIC needs libmsquic", ex.Message, StringComparison.Ordinal);
        }
    }

    private static async Task<WebApplication> StartAsync(string? protocols, Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> listen)
    {
        var builder = WebApplication.CreateSlimBuilder(protocols is null ? [] : [$"--Asgi:Protocols={protocols}", "--Asgi:Lifespan=off"]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseAsgi(EchoApp.App);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen));
        var host = builder.Build();
        host.Run(context => context.Response.WriteAsync(PipelineMarker + context.Request.Protocol));
        try
        {
            await host.StartAsync();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>The ASGI echo app answered (not the pipeline's marker), over HTTP/2.</summary>
    private static void AssertAsgiOverHttp2(string body)
    {
        Assert.False(body.StartsWith(PipelineMarker, StringComparison.Ordinal), body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("2", json.RootElement.GetProperty("http_version").GetString());
    }

    private static string AddressOf(WebApplication host) =>
        host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static async Task<string> GetAsync(Uri address, Version version)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, address) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.SendAsync(request);
        Assert.Equal(version, response.Version);
        return await response.Content.ReadAsStringAsync();
    }
}
