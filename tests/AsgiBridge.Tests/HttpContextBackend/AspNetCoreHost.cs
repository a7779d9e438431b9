using System.Net.WebSockets;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AspNetTestServer = Microsoft.AspNetCore.TestHost.TestServer;

namespace AsgiBridge.Tests.HttpContextBackend;

/// <summary>
/// An ordinary ASP.NET Core application (WebApplication, no AsgiBridge takeover) for the HttpContext backend's tests,
/// hosted either on Kestrel at 127.0.0.1 with a free port (real sockets) or in memory under ASP.NET Core's TestServer.
/// </summary>
public sealed class AspNetCoreHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AspNetCoreHost(WebApplication app, Uri baseUri, bool inMemory, TestLogSink logs)
    {
        _app = app;
        BaseUri = baseUri;
        InMemory = inMemory;
        Logs = logs;
    }

    public Uri BaseUri { get; }

    public bool InMemory { get; }

    public TestLogSink Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<AspNetCoreHost> StartAsync(bool inMemory, Action<WebApplication> map, Action<WebApplicationBuilder>? build = null, string[]? args = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        var logs = new TestLogSink();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (inMemory)
        {
            builder.WebHost.UseTestServer();
        }
        else
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }

        build?.Invoke(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var baseUri = inMemory
            ? new Uri("http://localhost/")
            : new Uri(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/");
        return new AspNetCoreHost(app, baseUri, inMemory, logs);
    }

    /// <summary>A client for the host: TestServer's in-memory handler, or a socket client.</summary>
    public HttpClient CreateClient()
    {
        if (InMemory)
        {
            var client = _app.GetTestServer().CreateClient();
            client.BaseAddress = BaseUri;
            return client;
        }

        return new HttpClient { BaseAddress = BaseUri };
    }

    public async Task<System.Net.WebSockets.WebSocket> ConnectWebSocketAsync(string path, params string[] subprotocols)
    {
        if (InMemory)
        {
            var client = _app.GetTestServer().CreateWebSocketClient();
            foreach (var protocol in subprotocols)
            {
                client.SubProtocols.Add(protocol);
            }

            return await client.ConnectAsync(new Uri(new Uri("ws://localhost/"), path), CancellationToken.None);
        }

        var socket = new ClientWebSocket();
        foreach (var protocol in subprotocols)
        {
            socket.Options.AddSubProtocol(protocol);
        }

        await socket.ConnectAsync(new Uri($"ws://{BaseUri.Authority}{path}"), CancellationToken.None);
        return socket;
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
