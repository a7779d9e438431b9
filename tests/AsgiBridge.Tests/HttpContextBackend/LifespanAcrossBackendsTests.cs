using System.Net;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.HttpContextBackend;

/// <summary>
/// One lifespan per application instance, however many places serve it (MapAsgi twice, and AsgiBridge's own handler
/// on another endpoint); <c>builder.WebHost.UseAsgi</c> on a host that maps endpoints.
/// </summary>
public sealed class LifespanAcrossBackendsTests
{
    /// <summary>An app that counts its lifespan events and answers each request with what its startup stored.</summary>
    private sealed class CountingApp
    {
        public int Startups;
        public int Shutdowns;

        public async ValueTask RunAsync(AsgiScope scope, AsgiReceive receive, AsgiSend send)
        {
            if (scope.Type == "lifespan")
            {
                while (true)
                {
                    var type = (string)(await receive())["type"]!;
                    if (type == "lifespan.startup")
                    {
                        Interlocked.Increment(ref Startups);
                        scope.State!["marker"] = "from-startup";
                        await send(LifespanEvent.StartupComplete());
                    }
                    else
                    {
                        Interlocked.Increment(ref Shutdowns);
                        await send(LifespanEvent.ShutdownComplete());
                        return;
                    }
                }
            }

            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent(System.Text.Encoding.UTF8.GetBytes((string?)scope.State?["marker"] ?? "none")));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_app_mapped_twice_and_served_by_the_handler_runs_its_lifespan_once(bool addAsgi)
    {
        var counting = new CountingApp();
        AsgiApp app = counting.RunAsync;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (addAsgi)
        {
            builder.Services.AddAsgi();
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0, listen => listen.UseAsgi(app));
        });
        await using var host = builder.Build();
        host.MapAsgi("/a", app);
        host.MapAsgi("/b", app);
        await host.StartAsync();

        var servers = new HashSet<string>();
        using var client = new HttpClient();
        foreach (var address in host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
        {
            foreach (var path in new[] { "/a/x", "/b/y" })
            {
                using var response = await client.GetAsync(new Uri(new Uri(address), path));
                Assert.Equal("from-startup", await response.Content.ReadAsStringAsync());
                servers.Add(response.Headers.Server.ToString());
            }
        }

        Assert.Equal(["Kestrel", "asgibridge"], servers.Order(StringComparer.Ordinal));
        Assert.Equal(1, counting.Startups);
        await host.StopAsync();
        Assert.Equal(1, counting.Startups);
        Assert.Equal(1, counting.Shutdowns);
    }

    [Fact]
    public async Task A_failed_lifespan_startup_of_a_mapped_app_stops_the_host_from_starting()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.AddAsgi();
        await using var host = builder.Build();
        host.MapAsgi("/asgi", async (scope, receive, send) =>
        {
            await receive();
            await send(LifespanEvent.StartupFailed("no database"));
        });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("no database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebHost_UseAsgi_warns_about_mapped_endpoints_and_answers_TestServer_from_the_app()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var logs = new TestLogSink();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.WebHost.UseTestServer();
        builder.WebHost.UseAsgi(HelloApp.App, o => o.Lifespan = AsgiLifespanMode.Off);
        await using var host = builder.Build();
        host.MapGet("/health", () => "ok");
        await host.StartAsync();

        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Category == "AsgiBridge.Hosting");
        Assert.Contains("/health", warning.Message, StringComparison.Ordinal);
        Assert.Contains("MapAsgi", warning.Message, StringComparison.Ordinal);

        // The whole server is the ASGI app, under TestServer as on Kestrel: /health is the app's too.
        using var client = host.GetTestServer().CreateClient();
        Assert.Equal("Hello, World!", await client.GetStringAsync(new Uri("/health", UriKind.Relative)));
        await host.StopAsync();
    }

    [Fact]
    public async Task WebHost_UseAsgi_without_mapped_endpoints_does_not_warn()
    {
        await using var server = await Infrastructure.TestServer.StartAsync(HelloApp.App);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Category == "AsgiBridge.Hosting" && e.Level == LogLevel.Warning);
    }
}
