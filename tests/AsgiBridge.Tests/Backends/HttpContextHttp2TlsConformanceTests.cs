using System.Net;
using System.Security.Cryptography.X509Certificates;
using AsgiBridge.Tests.HttpContextBackend;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AsgiBridge.Tests.Backends;

/// <summary>
/// Backend 3: the HttpContext backend on Kestrel's HTTP/2, negotiated with ALPN <c>h2</c> on a TLS endpoint with a
/// self-signed certificate made for the test; the client speaks HTTP/2 only and trusts that certificate only.
/// </summary>
public sealed class HttpContextHttp2TlsBackend : AsgiBackend
{
    private readonly X509Certificate2 _certificate = TestCertificates.Create();
    private AspNetCoreHost? _host;

    public override string HttpVersion => "2";

    public override string Scheme => "https";

    public override bool HasSocketEndpoints => true;

    public override bool Tls => true;

    public override string Authority => $"127.0.0.1:{Port}";

    public override int Port => _host!.BaseUri.Port;

    public override Task<System.Net.WebSockets.WebSocket> ConnectWebSocketAsync(string path, params string[] subprotocols) =>
        SocketClients.ConnectAsync(new Uri($"wss://{Authority}{path}"), System.Net.HttpVersion.Version20, _certificate, subprotocols);

    public override Task<(HttpStatusCode Status, string Body)> SendHandshakeForAnswerAsync(string path) =>
        SocketClients.HandshakeForAnswerAsync(Client, path);

    protected override async Task<HttpClient> StartAsync(AsgiApp app)
    {
        _host = await AspNetCoreHost.StartAsync(false, web => web.UseAsgi(app), builder =>
        {
            builder.Services.AddAsgi();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(_certificate)));
        });
        return new HttpClient(SocketClients.Handler(_certificate))
        {
            BaseAddress = new Uri($"https://127.0.0.1:{_host.BaseUri.Port}/"),
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    protected override async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _certificate.Dispose();
    }
}

/// <summary>The contract on backend 3: the HttpContext backend over HTTP/2 with TLS.</summary>
public sealed class HttpContextHttp2TlsConformanceTests(HttpContextHttp2TlsBackend backend) : ContractConformanceTests(backend), IClassFixture<HttpContextHttp2TlsBackend>;
