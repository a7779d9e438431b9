using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Infrastructure;

/// <summary>A real Kestrel host serving an ASGI app on 127.0.0.1 with a free port, for socket-level tests.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _host;

    private TestServer(WebApplication host, int port)
    {
        _host = host;
        Port = port;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    public TestLogSink Logs { get; } = new();

    public IServiceProvider Services => _host.Services;

    /// <summary>Stops the host gracefully, as SIGTERM would (the shutdown timeout is the host's, 30 s by default).</summary>
    public Task StopAsync() => _host.StopAsync();

    /// <summary>
    /// Starts a host. Lifespan is off unless <paramref name="lifespan"/> is set, so small test apps that only
    /// handle "http" are not also called with a lifespan scope.
    /// </summary>
    public static async Task<TestServer> StartAsync(AsgiApp app, Action<AsgiServerOptions>? configure = null, string[]? args = null, bool lifespan = false)
    {
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        var sink = new TestLogSink();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(sink);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.UseAsgi(app, options =>
        {
            if (!lifespan)
            {
                options.Lifespan = AsgiLifespanMode.Off;
            }

            configure?.Invoke(options);
        });
        var host = builder.Build();
        await host.StartAsync();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new TestServer(host, new Uri(address).Port);
        server.Logs.Forward(sink);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(timeout.Token);
        await _host.DisposeAsync();
    }
}
