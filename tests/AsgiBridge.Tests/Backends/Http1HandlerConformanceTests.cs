using System.Net;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Backends;

/// <summary>Backend 1: AsgiBridge's own HTTP/1.1 handler (<c>WebHost.UseAsgi</c>), over a socket.</summary>
public sealed class Http1HandlerBackend : AsgiBackend
{
    private TestServer? _server;

    public override string HttpVersion => "1.1";

    public override string Scheme => "http";

    public override bool HasSocketEndpoints => true;

    public override bool EarlyHints => true;

    public override string Authority => $"127.0.0.1:{Port}";

    public override int Port => _server!.Port;

    public override Task<System.Net.WebSockets.WebSocket> ConnectWebSocketAsync(string path, params string[] subprotocols) =>
        SocketClients.ConnectAsync(new Uri($"ws://{Authority}{path}"), System.Net.HttpVersion.Version11, null, subprotocols);

    public override Task<(HttpStatusCode Status, string Body)> SendHandshakeForAnswerAsync(string path) =>
        SocketClients.HandshakeForAnswerAsync(Client, path);

    protected override async Task<HttpClient> StartAsync(AsgiApp app)
    {
        _server = await TestServer.StartAsync(app, lifespan: true);
        return new HttpClient(SocketClients.Handler()) { BaseAddress = _server.BaseUri };
    }

    protected override async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The contract on backend 1: AsgiBridge's HTTP/1.1 handler.</summary>
public sealed class Http1HandlerConformanceTests(Http1HandlerBackend backend) : ContractConformanceTests(backend), IClassFixture<Http1HandlerBackend>;
