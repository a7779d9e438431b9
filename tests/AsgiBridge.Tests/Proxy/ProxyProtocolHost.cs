using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AsgiBridge.Hosting;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// A live host for PROXY protocol tests: the echo app (the scope's client and server in its JSON) on a TCP endpoint
/// (127.0.0.1, a free port) and a unix socket, each endpoint open to its own <c>ListenOptions</c> callback; it counts
/// the requests that reached the app.
/// </summary>
internal sealed class ProxyProtocolHost : IAsyncDisposable
{
    private readonly WebApplication _host;
    private int _appCalls;

    private readonly AsgiBridge.Tests.Diagnostics.HostMeasurements _measurements;

    private ProxyProtocolHost(WebApplication host, string unixPath)
    {
        _host = host;
        UnixPath = unixPath;
        _measurements = new AsgiBridge.Tests.Diagnostics.HostMeasurements(host.Services);
    }

    public IPEndPoint Tcp { get; private set; } = null!;

    public string UnixPath { get; }

    public UnixDomainSocketEndPoint Unix => new(UnixPath);

    public TestLogSink Logs { get; } = new();

    public int AppCalls => Volatile.Read(ref _appCalls);

    /// <summary>Connections the PROXY protocol reader refused, as the meter's <c>asgibridge.connections.rejected</c> counted them.</summary>
    public long Rejections => (long)_measurements.Of("asgibridge.connections.rejected").Where(m => Equals(m.Tags["error.type"], "proxy_protocol")).Sum(m => m.Value);

    public static async Task<ProxyProtocolHost> StartAsync(Action<AsgiServerOptions>? configure = null, Action<ListenOptions>? tcp = null, Action<ListenOptions>? unix = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"asgibridge-pp-{Guid.NewGuid():N}.sock");
        var builder = WebApplication.CreateSlimBuilder([]);
        var sink = new TestLogSink();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(sink);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        ProxyProtocolHost? self = null;
        builder.WebHost.UseAsgi(
            (scope, receive, send) =>
            {
                Interlocked.Increment(ref self!._appCalls);
                return EchoApp.App(scope, receive, send);
            },
            options =>
            {
                options.Lifespan = AsgiLifespanMode.Off;
                configure?.Invoke(options);
            });
        ListenOptions? tcpOptions = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                tcpOptions = listen;
                tcp?.Invoke(listen);
            });
            kestrel.ListenUnixSocket(path, listen => unix?.Invoke(listen));
        });
        self = new ProxyProtocolHost(builder.Build(), path);
        await self._host.StartAsync();
        self.Tcp = (IPEndPoint)tcpOptions!.EndPoint;
        self.Logs.Forward(sink);
        return self;
    }

    /// <summary>
    /// Sends the bytes, then reads the connection's response number <paramref name="index"/> (from 0) and returns its
    /// JSON body's <c>client</c>, <c>server</c> and <c>scheme</c>.
    /// </summary>
    public static async Task<(JsonElement Client, JsonElement Server, string Scheme)> EchoAsync(RawClient client, byte[] bytes, int index = 0)
    {
        await client.SendAsync(bytes);
        var responses = await client.ReadResponsesAsync(index + 1);
        Assert.True(responses.Count > index, $"response {index} did not arrive");
        var response = responses[index];
        Assert.Equal(200, response.Status);
        using var json = JsonDocument.Parse(response.BodyText);
        return (json.RootElement.GetProperty("client").Clone(), json.RootElement.GetProperty("server").Clone(), json.RootElement.GetProperty("scheme").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(timeout.Token);
        await _host.DisposeAsync();
        _measurements.Dispose();
        File.Delete(UnixPath);
    }
}
