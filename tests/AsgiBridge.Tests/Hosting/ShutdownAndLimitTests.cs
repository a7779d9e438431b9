using System.Net.WebSockets;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AsgiBridge.Tests.Hosting;

public sealed class ShutdownAndLimitTests
{
    private static readonly AsgiApp s_slow = async (scope, receive, send) =>
    {
        if (scope.Type == "websocket")
        {
            await WebSocketEcho.RunAsync(scope, receive, send);
            return;
        }

        if (scope.Type != "http")
        {
            return;
        }

        await Task.Delay(scope.Path == "/slow" ? 700 : 0);
        await send(new HttpResponseStartEvent(200));
        await send(new HttpResponseBodyEvent("done"u8.ToArray()));
    };

    [Fact]
    public async Task Requests_in_flight_when_the_host_stops_all_complete_with_connection_close()
    {
        const int count = 40;
        var inside = 0;
        var allInside = new TaskCompletionSource();
        var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            if (scope.Type != "http")
            {
                return;
            }

            if (Interlocked.Increment(ref inside) == count)
            {
                allInside.SetResult();
            }

            await Task.Delay(500);
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("done"u8.ToArray()));
        });
        var clients = new List<RawClient>();
        for (var i = 0; i < count; i++)
        {
            var client = await RawClient.ConnectAsync(server);
            await client.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            clients.Add(client);
        }

        await allInside.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stopping = server.StopAsync();
        var responses = await Task.WhenAll(clients.Select(c => c.ReadResponseAsync()));
        await stopping;

        // Counted: every accepted request was answered, none lost, each told the connection is closing.
        Assert.Equal(count, responses.Count(r => r.Status == 200 && r.BodyText == "done"));
        Assert.All(responses, r => Assert.Equal("close", r.Header("connection")));
        foreach (var client in clients)
        {
            client.Dispose();
        }

        await server.DisposeAsync();
    }

    [Fact]
    public async Task An_app_still_running_when_the_shutdown_timeout_expires_sees_http_disconnect()
    {
        var seen = new TaskCompletionSource<string>();
        var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive(); // the (empty) body
            seen.TrySetResult((string)(await receive())["type"]!); // waits: the response is never sent
        }, args: ["--shutdownTimeoutSeconds=1"]);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await Task.Delay(200);
        var stopping = server.StopAsync();
        Assert.Equal("http.disconnect", await seen.Task.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(15)));
        await stopping;
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Idle_keep_alive_connections_are_closed_at_once_on_stop()
    {
        var server = await TestServer.StartAsync(s_slow, o => o.TimeoutKeepAlive = TimeSpan.FromMinutes(5));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadResponseAsync();
        var started = DateTime.UtcNow;
        await server.StopAsync();
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task WebSocket_clients_see_1012_when_the_host_stops()
    {
        var server = await TestServer.StartAsync(s_slow);
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws"), CancellationToken.None);
        var stopping = server.StopAsync();
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await client.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal((WebSocketCloseStatus)1012, client.CloseStatus);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await stopping;
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Limit_concurrency_answers_503_at_the_boundary_and_not_before()
    {
        var inside = 0;
        var bothInside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            if (scope.Type != "http")
            {
                return;
            }

            if (scope.Path == "/hold")
            {
                if (Interlocked.Increment(ref inside) == 2)
                {
                    bothInside.SetResult();
                }

                await release.Task;
            }

            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("done"u8.ToArray()));
        }, o => o.LimitConcurrency = 2);
        using var first = await RawClient.ConnectAsync(server);
        using var second = await RawClient.ConnectAsync(server);
        using var third = await RawClient.ConnectAsync(server);
        await first.SendAsync("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
        await second.SendAsync("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
        await bothInside.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await third.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var refused = await third.ReadResponseAsync();
        Assert.Equal(503, refused.Status);
        Assert.Equal("close", refused.Header("connection"));
        release.SetResult();
        Assert.Equal(200, (await first.ReadResponseAsync()).Status);
        Assert.Equal(200, (await second.ReadResponseAsync()).Status);
        await first.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); // back under the limit: served
        Assert.Equal(200, (await first.ReadResponsesAsync(2))[1].Status);
    }

    [Fact]
    public async Task Limit_max_requests_shuts_the_host_down_after_exactly_n()
    {
        var server = await TestServer.StartAsync(s_slow, o => o.LimitMaxRequests = 3);
        var stopping = server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(2, (await client.ReadResponsesAsync(2)).Count);
        Assert.False(stopping.IsCancellationRequested);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var all = await client.ReadResponsesAsync(4);
        Assert.True(stopping.IsCancellationRequested);
        Assert.Equal(200, all[2].Status);
        Assert.Equal("close", all[2].Header("connection"));
        Assert.Equal(3, all.Count); // the fourth request is never served
        await server.DisposeAsync();
    }
}
