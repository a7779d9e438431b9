using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using AsgiBridge.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Extensions;

/// <summary>
/// The ASGI TLS extension over real TLS connections: the values the client negotiated, the server's certificate, a
/// client certificate and its RFC 4514 name; absent without TLS, present on wss scopes.
/// </summary>
public sealed class TlsExtensionTests
{
    /// <summary>Answers with the scope's extensions as JSON (http), or sends them as one text message (websocket).</summary>
    private static readonly AsgiApp s_reportApp = async (scope, receive, send) =>
    {
        var report = JsonSerializer.Serialize(scope.Extensions.ToDictionary(e => e.Key, e => e.Value));
        if (scope.Type == "websocket")
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            await send(WebSocketMessageEvent.SendText(report));
            await send(WebSocketCloseEvent.Close());
            return;
        }

        await send(new HttpResponseStartEvent(200, [new("content-type", "application/json")]));
        await send(new HttpResponseBodyEvent(Encoding.UTF8.GetBytes(report)));
    };

    [Fact]
    public async Task A_tls_scope_reports_the_negotiated_version_cipher_suite_and_server_certificate()
    {
        using var server = TestCertificates.Create("CN=localhost");
        await using var host = await StartAsync(listen => listen.UseHttps(server).UseAsgi(s_reportApp));
        var (report, tls) = await GetOverTlsAsync(host, clientCertificate: null);
        using (tls)
        {
            var ext = report.RootElement.GetProperty("tls");
            Assert.Equal(tls.SslProtocol == SslProtocols.Tls13 ? 0x0304 : 0x0303, ext.GetProperty("tls_version").GetInt32());
            Assert.Equal((int)tls.NegotiatedCipherSuite, ext.GetProperty("cipher_suite").GetInt32());
            var pem = ext.GetProperty("server_cert").GetString()!;
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", pem, StringComparison.Ordinal);
            using var reported = X509Certificate2.CreateFromPem(pem);
            Assert.Equal(server.Thumbprint, reported.Thumbprint);
            Assert.Equal(0, ext.GetProperty("client_cert_chain").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, ext.GetProperty("client_cert_name").ValueKind);
            Assert.Equal(JsonValueKind.Null, ext.GetProperty("client_cert_error").ValueKind);
            Assert.True(report.RootElement.TryGetProperty("http.response.pathsend", out _));
        }
    }

    [Fact]
    public async Task A_client_certificate_is_reported_as_pem_with_its_rfc4514_name()
    {
        using var server = TestCertificates.Create("CN=localhost");
        var name = new X500DistinguishedNameBuilder();
        name.AddCountryOrRegion("NL");
        name.AddOrganizationName("Example, Inc.");
        name.AddOrganizationalUnitName("Ops");
        name.AddCommonName("alice");
        using var client = TestCertificates.Create(name.Build());
        await using var host = await StartAsync(listen => listen.UseHttps(server, https =>
        {
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, _, _) => certificate.Thumbprint == client.Thumbprint;
        }).UseAsgi(s_reportApp));
        var (report, tls) = await GetOverTlsAsync(host, client);
        using (tls)
        {
            var ext = report.RootElement.GetProperty("tls");
            var chain = ext.GetProperty("client_cert_chain");
            Assert.Equal(1, chain.GetArrayLength());
            using var reported = X509Certificate2.CreateFromPem(chain[0].GetString()!);
            Assert.Equal(client.Thumbprint, reported.Thumbprint);
            Assert.Equal("CN=alice,OU=Ops,O=Example\\, Inc.,C=NL", ext.GetProperty("client_cert_name").GetString());
            Assert.Equal(JsonValueKind.Null, ext.GetProperty("client_cert_error").ValueKind);
        }
    }

    [Fact]
    public async Task A_cleartext_scope_has_no_tls_extension()
    {
        await using var host = await StartAsync(listen => listen.UseAsgi(s_reportApp));
        using var http = new HttpClient();
        using var report = JsonDocument.Parse(await http.GetStringAsync(new Uri(new Uri(AddressOf(host)), "/")));
        Assert.False(report.RootElement.TryGetProperty("tls", out _));
        Assert.True(report.RootElement.TryGetProperty("http.response.pathsend", out _));
    }

    [Fact]
    public async Task A_wss_scope_has_the_tls_extension_and_no_pathsend()
    {
        using var server = TestCertificates.Create("CN=localhost");
        await using var host = await StartAsync(listen => listen.UseHttps(server).UseAsgi(s_reportApp));
        using var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == server.GetCertHashString();
        await socket.ConnectAsync(new Uri(AddressOf(host).Replace("https://", "wss://", StringComparison.Ordinal) + "/ws"), CancellationToken.None);
        var buffer = new byte[64 * 1024];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        using var report = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
        Assert.True(report.RootElement.TryGetProperty("tls", out var ext));
        Assert.True(ext.GetProperty("tls_version").GetInt32() >= 0x0303);
        Assert.True(report.RootElement.TryGetProperty("websocket.http.response", out _));
        Assert.False(report.RootElement.TryGetProperty("http.response.pathsend", out _));
    }

    [Theory]
    [InlineData("plain", "CN=plain")]
    [InlineData("#hash", "CN=\\#hash")]
    [InlineData(" lead and trail ", "CN=\\ lead and trail\\ ")]
    [InlineData("a+b;c<d>e\"f\\g,h", "CN=a\\+b\\;c\\<d\\>e\\\"f\\\\g\\,h")]
    [InlineData("caf\u00e9 #2", "CN=caf\u00e9 #2")]
    public void Values_are_escaped_as_rfc4514_says(string commonName, string expected)
    {
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(commonName);
        Assert.Equal(expected, TlsExtension.DistinguishedName(name.Build()));
    }

    [Fact]
    public void The_most_specific_rdn_comes_first_with_short_names_and_dotted_oids_for_the_rest()
    {
        var name = new X500DistinguishedNameBuilder();
        name.Add("0.9.2342.19200300.100.1.25", "com");
        name.Add("0.9.2342.19200300.100.1.25", "example");
        name.AddLocalityName("Delft");
        name.Add("1.2.840.113549.1.9.1", "a@example.com");
        name.AddCommonName("host");
        Assert.Equal("CN=host,1.2.840.113549.1.9.1=a@example.com,L=Delft,DC=example,DC=com", TlsExtension.DistinguishedName(name.Build()));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12, 0x0303)]
    [InlineData(SslProtocols.Tls13, 0x0304)]
    [InlineData(SslProtocols.None, null)]
    public void Versions_are_the_numbers_tls_writes(SslProtocols protocol, int? expected)
    {
        Assert.Equal(expected, TlsExtension.VersionNumber(protocol));
    }

    private static async Task<(JsonDocument Report, SslStream Tls)> GetOverTlsAsync(WebApplication host, X509Certificate2? clientCertificate)
    {
        var endpoint = new Uri(AddressOf(host));
        var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, endpoint.Port);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null,
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        });
        await tls.WriteAsync("GET /tls HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray());
        var response = await new StreamReader(tls, leaveOpen: true).ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        return (JsonDocument.Parse(response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]), tls);
    }

    private static async Task<WebApplication> StartAsync(Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> listen)
    {
        var builder = WebApplication.CreateSlimBuilder(["--Asgi:Lifespan=off"]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseAsgi(s_reportApp);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static string AddressOf(WebApplication host) =>
        host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

}
