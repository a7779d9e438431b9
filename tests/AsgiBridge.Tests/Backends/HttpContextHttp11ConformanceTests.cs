using System.Net;
using AsgiBridge.Tests.HttpContextBackend;
using Microsoft.Extensions.DependencyInjection;

namespace AsgiBridge.Tests.Backends;

/// <summary>Backend 2: the HttpContext backend (<c>app.UseAsgi</c> in an ASP.NET Core pipeline) on Kestrel's HTTP/1.1.</summary>
public sealed class HttpContextHttp11Backend : AsgiBackend
{
    private AspNetCoreHost? _host;

    public override string HttpVersion => "1.1";

    public override string Scheme => "http";

    public override bool HasSocketEndpoints => true;

    public override bool TrailersWithTe => false;

    public override string Authority => _host!.BaseUri.Authority;

    public override int Port => _host!.BaseUri.Port;

    public override Task<System.Net.WebSockets.WebSocket> ConnectWebSocketAsync(string path, params string[] subprotocols) =>
        SocketClients.ConnectAsync(new Uri($"ws://{Authority}{path}"), System.Net.HttpVersion.Version11, null, subprotocols);

    public override Task<(HttpStatusCode Status, string Body)> SendHandshakeForAnswerAsync(string path) =>
        SocketClients.HandshakeForAnswerAsync(Client, path);

    protected override async Task<HttpClient> StartAsync(AsgiApp app)
    {
        _host = await AspNetCoreHost.StartAsync(false, web => web.UseAsgi(app), builder => builder.Services.AddAsgi());
        return new HttpClient(SocketClients.Handler()) { BaseAddress = _host.BaseUri };
    }

    protected override async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>The contract on backend 2: the HttpContext backend over HTTP/1.1.</summary>
public sealed class HttpContextHttp11ConformanceTests(HttpContextHttp11Backend backend) : ContractConformanceTests(backend), IClassFixture<HttpContextHttp11Backend>;
