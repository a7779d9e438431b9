using System.Text;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Lifespan;

public sealed class LifespanTests
{
    private static AsgiApp App(Func<AsgiScope, AsgiReceive, AsgiSend, ValueTask> lifespan) => async (scope, receive, send) =>
    {
        if (scope.Type == "lifespan")
        {
            await lifespan(scope, receive, send);
            return;
        }

        var state = scope.State!;
        var seen = state.TryGetValue("counter", out var value) ? value : null;
        state["counter"] = "changed by a request";
        await send(new HttpResponseStartEvent(200));
        await send(new HttpResponseBodyEvent(Encoding.UTF8.GetBytes($"{(state.TryGetValue("db", out var db) ? db : null)}|{seen}")));
    };

    private static async ValueTask Supported(AsgiScope scope, AsgiReceive receive, AsgiSend send)
    {
        Assert.Equal("lifespan.startup", (await receive())["type"]);
        scope.State!["db"] = "connected";
        await send(LifespanEvent.StartupComplete());
        Assert.Equal("lifespan.shutdown", (await receive())["type"]);
        await send(LifespanEvent.ShutdownComplete());
    }

    [Fact]
    public async Task Startup_state_is_shallow_copied_into_every_request()
    {
        await using var server = await TestServer.StartAsync(App(Supported), lifespan: true);
        using var client = new HttpClient { BaseAddress = server.BaseUri };
        Assert.Equal("connected|", await client.GetStringAsync("/"));
        // The first request's change to its copy is not seen by the next one.
        Assert.Equal("connected|", await client.GetStringAsync("/"));
    }

    [Fact]
    public async Task Shutdown_runs_when_the_host_stops_and_is_logged()
    {
        var server = await TestServer.StartAsync(App(Supported), lifespan: true);
        await server.StopAsync();
        Assert.Contains(server.Logs.Entries, e => e.Message.Contains("lifespan shutdown complete", StringComparison.Ordinal));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Startup_failed_stops_the_host_with_the_apps_message()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var server = await TestServer.StartAsync(App(async (scope, receive, send) =>
            {
                await receive();
                await send(LifespanEvent.StartupFailed("database unreachable"));
            }), lifespan: true);
        });
        Assert.Contains("database unreachable", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_app_that_raises_on_lifespan_is_served_anyway_in_auto_mode()
    {
        await using var server = await TestServer.StartAsync(App((scope, receive, send) => throw new NotSupportedException("no lifespan here")), lifespan: true);
        using var client = new HttpClient { BaseAddress = server.BaseUri };
        Assert.Equal("|", await client.GetStringAsync("/"));
        Assert.Single(server.Logs.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("appears unsupported", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_app_that_raises_on_lifespan_stops_the_host_in_on_mode()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var server = await TestServer.StartAsync(App((scope, receive, send) => throw new NotSupportedException("no lifespan here")), o => o.Lifespan = AsgiLifespanMode.On, lifespan: true);
        });
    }

    [Fact]
    public async Task Lifespan_off_never_calls_the_app_with_a_lifespan_scope()
    {
        var called = false;
        await using var server = await TestServer.StartAsync(App((scope, receive, send) => { called = true; return ValueTask.CompletedTask; }), o => o.Lifespan = AsgiLifespanMode.Off, lifespan: true);
        Assert.False(called);
    }

    [Fact]
    public async Task Startup_that_never_answers_times_out()
    {
        await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await using var server = await TestServer.StartAsync(App(async (scope, receive, send) => await Task.Delay(Timeout.Infinite)), o => o.TimeoutLifespan = TimeSpan.FromMilliseconds(300), lifespan: true);
        });
    }

    [Fact]
    public async Task Lifespan_setting_binds_from_configuration_and_rejects_bad_values()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await TestServer.StartAsync(App(Supported), args: ["--Asgi:Lifespan=sometimes"], lifespan: true);
        });
        Assert.Contains("Asgi:Lifespan", ex.Message, StringComparison.Ordinal);
    }
}
