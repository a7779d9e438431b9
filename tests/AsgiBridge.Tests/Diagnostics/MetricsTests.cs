using System.Net.WebSockets;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Diagnostics;

/// <summary>The meter AsgiBridge as a <see cref="System.Diagnostics.Metrics.MeterListener"/> sees one host's instruments.</summary>
public sealed class MetricsTests
{
    private const string Duration = "http.server.request.duration";
    private const string Active = "http.server.active_requests";
    private const string Rejected = "asgibridge.requests.rejected";

    private static async Task<Measured> OneRequestAsync(AsgiApp app, string request, int expectedStatus)
    {
        await using var server = await TestServer.StartAsync(app);
        using var measurements = new HostMeasurements(server.Services);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(request);
        Assert.Equal(expectedStatus, (await client.ReadResponseAsync()).Status);
        return Assert.Single(await measurements.WaitForAsync(Duration));
    }

    [Fact]
    public async Task A_200_records_the_request_duration_with_the_conventions_tags()
    {
        var measured = await OneRequestAsync(TestApps.Respond(200, "ok"), "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n", 200);
        Assert.InRange(measured.Value, 0, 10);
        Assert.Equal("GET", measured.Tags["http.request.method"]);
        Assert.Equal(200, measured.Tags["http.response.status_code"]);
        Assert.Equal("http", measured.Tags["url.scheme"]);
        Assert.Equal("1.1", measured.Tags["network.protocol.version"]);
        Assert.False(measured.Tags.ContainsKey("error.type"));
    }

    [Fact]
    public async Task A_404_from_the_app_is_not_an_error_and_an_unknown_method_is_OTHER()
    {
        var measured = await OneRequestAsync(TestApps.Respond(404, "no"), "PURGE /gone HTTP/1.0\r\n\r\n", 404);
        Assert.Equal("_OTHER", measured.Tags["http.request.method"]);
        Assert.Equal(404, measured.Tags["http.response.status_code"]);
        Assert.Equal("1.0", measured.Tags["network.protocol.version"]);
        Assert.False(measured.Tags.ContainsKey("error.type"));
    }

    [Fact]
    public async Task A_500_app_fault_carries_the_exception_type_as_error_type()
    {
        var measured = await OneRequestAsync((scope, receive, send) => throw new InvalidOperationException("boom"), "POST /fault HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 500);
        Assert.Equal("POST", measured.Tags["http.request.method"]);
        Assert.Equal(500, measured.Tags["http.response.status_code"]);
        Assert.Equal("System.InvalidOperationException", measured.Tags["error.type"]);
    }

    [Fact]
    public async Task A_5xx_the_app_sent_itself_has_its_status_as_error_type()
    {
        var measured = await OneRequestAsync(TestApps.Respond(503, "busy"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 503);
        Assert.Equal("503", measured.Tags["error.type"]);
    }

    [Fact]
    public async Task A_parser_rejection_counts_with_its_reason_and_never_reaches_the_duration_histogram()
    {
        await using var server = await TestServer.StartAsync(TestApps.Respond(200, "ok"));
        using var measurements = new HostMeasurements(server.Services);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n");
        Assert.Equal(400, (await client.ReadResponseAsync()).Status);

        var rejected = Assert.Single(await measurements.WaitForAsync(Rejected));
        Assert.Equal(1, rejected.Value);
        Assert.Equal("InvalidHeaderName", rejected.Tags["error.type"]);
        Assert.Equal(400, rejected.Tags["http.response.status_code"]);
        Assert.Empty(measurements.Of(Duration));
    }

    [Fact]
    public async Task A_body_over_the_limit_while_the_app_reads_it_is_rejected_and_recorded_with_its_reason()
    {
        await using var server = await TestServer.StartAsync(
            async (scope, receive, send) =>
            {
                await TestApps.ReadBodyAsync(receive);
            },
            o => o.MaxRequestBodySize = 10);
        using var measurements = new HostMeasurements(server.Services);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n01234567890123456789\r\n0\r\n\r\n");
        Assert.Equal(413, (await client.ReadResponseAsync()).Status);

        var rejected = Assert.Single(await measurements.WaitForAsync(Rejected));
        Assert.Equal("BodyTooLarge", rejected.Tags["error.type"]);
        var measured = Assert.Single(await measurements.WaitForAsync(Duration));
        Assert.Equal(413, measured.Tags["http.response.status_code"]);
        Assert.Equal("BodyTooLarge", measured.Tags["error.type"]);
    }

    [Fact]
    public async Task Active_requests_goes_up_while_the_app_runs_and_down_after()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await release.Task;
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("ok"u8.ToArray()));
        });
        using var measurements = new HostMeasurements(server.Services);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("DELETE /item HTTP/1.1\r\nHost: x\r\n\r\n");

        var up = Assert.Single(await measurements.WaitForAsync(Active));
        Assert.Equal(1, up.Value);
        Assert.Equal("DELETE", up.Tags["http.request.method"]);
        Assert.Equal("http", up.Tags["url.scheme"]);
        Assert.Empty(measurements.Of(Duration));

        release.SetResult();
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        var both = await measurements.WaitForAsync(Active, 2);
        Assert.Equal(-1, both[1].Value);
        Assert.Equal(up.Tags, both[1].Tags);
    }

    [Fact]
    public async Task Connections_are_counted_open_and_closed()
    {
        await using var server = await TestServer.StartAsync(TestApps.Respond(200, "ok"));
        using var measurements = new HostMeasurements(server.Services);
        using (var client = await RawClient.ConnectAsync(server))
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            await client.ReadToEndAsync();
        }

        var changes = await measurements.WaitForAsync("asgibridge.connections.open", 2);
        Assert.Equal([1.0, -1.0], changes.Select(m => m.Value));
    }

    [Fact]
    public async Task WebSocket_sessions_are_active_while_open_and_counted_closed_by_code()
    {
        var closeNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            await closeNow.Task;
            await send(WebSocketCloseEvent.Close(4001));
        });
        using var measurements = new HostMeasurements(server.Services);
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws"), CancellationToken.None);
        Assert.Equal(1, Assert.Single(await measurements.WaitForAsync("asgibridge.websocket.sessions.active")).Value);

        closeNow.SetResult();
        await client.ReceiveAsync(new byte[16], CancellationToken.None);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        var closed = Assert.Single(await measurements.WaitForAsync("asgibridge.websocket.sessions.closed"));
        Assert.Equal(4001, closed.Tags["asgibridge.websocket.close_code"]);
        Assert.Equal(-1, (await measurements.WaitForAsync("asgibridge.websocket.sessions.active", 2))[1].Value);
        var upgrade = Assert.Single(await measurements.WaitForAsync(Duration));
        Assert.Equal(101, upgrade.Tags["http.response.status_code"]);
        Assert.Equal("http", upgrade.Tags["url.scheme"]);
    }

    [Fact]
    public async Task The_lifespan_state_is_one_for_the_current_state()
    {
        await using var server = await TestServer.StartAsync(
            async (scope, receive, send) =>
            {
                if (scope.Type == "lifespan")
                {
                    await receive();
                    await send(new Dictionary<string, object?> { ["type"] = "lifespan.startup.complete" });
                    await receive();
                    await send(new Dictionary<string, object?> { ["type"] = "lifespan.shutdown.complete" });
                }
            },
            lifespan: true);
        using var measurements = new HostMeasurements(server.Services);
        measurements.Observe();

        var states = measurements.Of("asgibridge.lifespan.state").ToDictionary(m => (string)m.Tags["asgibridge.lifespan.state"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, double> { ["starting"] = 0, ["started"] = 1, ["stopping"] = 0, ["stopped"] = 0, ["failed"] = 0 }, states);
    }
}
