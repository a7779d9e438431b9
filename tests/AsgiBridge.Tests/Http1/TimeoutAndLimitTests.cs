using System.Text;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Http1;

/// <summary>Timeouts run on Kestrel's one-second heartbeat, so each check allows a few seconds' slack.</summary>
public sealed class TimeoutAndLimitTests
{
    private static readonly TimeSpan s_slack = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Idle_keep_alive_connection_is_closed_quietly_after_the_timeout()
    {
        await using var server = await TestServer.StartAsync(HelloApp.App, o => o.TimeoutKeepAlive = TimeSpan.FromSeconds(1));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        var text = await client.ReadToEndAsync(s_slack);
        Assert.Single(text.Split("HTTP/1.1 "), part => part.Length > 0); // nothing more was written
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_connection_that_never_sends_is_closed_after_the_keep_alive_timeout()
    {
        await using var server = await TestServer.StartAsync(HelloApp.App, o => o.TimeoutKeepAlive = TimeSpan.FromSeconds(1));
        using var client = await RawClient.ConnectAsync(server);
        Assert.True(await client.IsClosedByServerAsync(s_slack));
    }

    [Fact]
    public async Task Keep_alive_connection_survives_within_the_timeout()
    {
        await using var server = await TestServer.StartAsync(HelloApp.App, o => o.TimeoutKeepAlive = TimeSpan.FromSeconds(30));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadResponseAsync();
        Assert.False(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Trickled_headers_are_cut_off_with_408_even_though_bytes_keep_arriving()
    {
        await using var server = await TestServer.StartAsync(HelloApp.App, o => o.TimeoutRequestHeaders = TimeSpan.FromSeconds(1));
        using var client = await RawClient.ConnectAsync(server);
        var trickle = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + new string('a', 200));
        var sender = Task.Run(async () =>
        {
            foreach (var b in trickle)
            {
                try
                {
                    await client.SendAsync([b]);
                    await Task.Delay(100);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return;
                }
            }
        });
        var text = await client.ReadToEndAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 408 ", text, StringComparison.Ordinal);
        await sender;
    }

    [Fact]
    public async Task Stalled_request_body_gives_the_app_http_disconnect_and_the_client_408()
    {
        var seen = new TaskCompletionSource<string>();
        await using var server = await TestServer.StartAsync(TestApps.ReportFirstNonRequestEvent(seen), o => o.TimeoutRequestHeaders = TimeSpan.FromSeconds(1));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
        Assert.Equal("http.disconnect", await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        var text = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 408 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_cut_off_after_the_send_timeout_and_the_app_sees_it()
    {
        var outcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            try
            {
                await send(new HttpResponseStartEvent(200));
                var chunk = new byte[1024 * 1024];
                for (var i = 0; i < 256; i++)
                {
                    await send(new HttpResponseBodyEvent(chunk, moreBody: true));
                }

                outcome.TrySetResult(null);
            }
            catch (Exception ex)
            {
                outcome.TrySetResult(ex);
                throw;
            }
        }, o => o.TimeoutSend = TimeSpan.FromSeconds(1));

        using var client = await RawClient.ConnectAsync(server);
        client.Socket.ReceiveBufferSize = 4096;
        await client.SendAsync("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");

        // The client never reads: the kernel buffers fill, a flush waits, and the heartbeat aborts it.
        var exception = await outcome.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.IsType<ClientDisconnectedException>(exception);
        Assert.Contains(server.Logs.Entries, e => e.Message.Contains("Asgi:TimeoutSend", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_that_half_closes_after_its_request_still_gets_the_response()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await Task.Delay(100); // the FIN arrives before the response is sent
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("still here"u8.ToArray()));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        client.ShutdownSend();
        var text = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200 OK", text, StringComparison.Ordinal);
        Assert.EndsWith("still here", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_after_the_server_answered_a_body_error_raises_client_disconnected()
    {
        var raised = new TaskCompletionSource<Exception?>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            while (await receive() is HttpRequestEvent)
            {
            }

            try
            {
                await send(new HttpResponseStartEvent(200));
                raised.TrySetResult(null);
            }
            catch (Exception ex)
            {
                raised.TrySetResult(ex);
            }
        }, o => o.MaxRequestBodySize = 4);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n0\r\n\r\n");
        Assert.Equal(413, (await client.ReadResponseAsync()).Status);
        Assert.IsType<ClientDisconnectedException>(await raised.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_empty_first_streamed_piece_puts_the_head_on_the_wire_at_once()
    {
        var release = new TaskCompletionSource();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("content-type", "text/event-stream")]));
            await send(new HttpResponseBodyEvent(ReadOnlyMemory<byte>.Empty, moreBody: true));
            await release.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await send(new HttpResponseBodyEvent(ReadOnlyMemory<byte>.Empty));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var read = await client.Socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, timeout.Token);
        Assert.StartsWith("HTTP/1.1 200 OK", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        release.SetResult();
    }

    [Fact]
    public async Task Client_leaving_mid_body_gives_the_app_http_disconnect()
    {
        var seen = new TaskCompletionSource<string>();
        await using var server = await TestServer.StartAsync(TestApps.ReportFirstNonRequestEvent(seen));
        using (var client = await RawClient.ConnectAsync(server))
        {
            await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-some");
            await Task.Delay(100);
        }

        Assert.Equal("http.disconnect", await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Client_leaving_mid_response_makes_send_raise_and_receive_report_disconnect()
    {
        var sendFailure = new TaskCompletionSource<Exception>();
        var listener = new TaskCompletionSource<string>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive(); // the (empty) body
            _ = Task.Run(async () => listener.TrySetResult((string)(await receive())["type"]!)); // Starlette-style disconnect listener
            await send(new HttpResponseStartEvent(200));
            var piece = new byte[64 * 1024];
            try
            {
                for (var i = 0; i < 100_000; i++)
                {
                    await send(new HttpResponseBodyEvent(piece, moreBody: true));
                }
            }
            catch (ClientDisconnectedException ex)
            {
                sendFailure.TrySetResult(ex);
                throw;
            }
        });
        using (var client = await RawClient.ConnectAsync(server))
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            var buffer = new byte[1024];
            await client.Socket.ReceiveAsync(buffer);
        }

        Assert.IsType<ClientDisconnectedException>(await sendFailure.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("http.disconnect", await listener.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task Receive_after_the_response_returns_http_disconnect()
    {
        var after = new TaskCompletionSource<string>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("ok"u8.ToArray()));
            after.TrySetResult((string)(await receive())["type"]!);
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadResponseAsync();
        Assert.Equal("http.disconnect", await after.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Chunked_body_over_the_configured_limit_is_answered_413()
    {
        await using var server = await TestServer.StartAsync(EchoApp.App, o => o.MaxRequestBodySize = 10);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n");
        Assert.Equal(413, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.IsClosedByServerAsync(s_slack));
    }

    [Theory]
    [InlineData(10, 200)]
    [InlineData(11, 413)]
    public async Task Content_length_at_the_configured_limit_is_accepted_and_one_past_it_is_413(int length, int status)
    {
        await using var server = await TestServer.StartAsync(EchoApp.App, o => o.MaxRequestBodySize = 10);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync($"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{new string('a', length)}");
        Assert.Equal(status, (await client.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData(3, 200)]
    [InlineData(4, 431)]
    public async Task Header_count_at_the_configured_limit_is_accepted_and_one_past_it_is_431(int count, int status)
    {
        await using var server = await TestServer.StartAsync(HelloApp.App, o => o.MaxRequestHeaderCount = 3);
        using var client = await RawClient.ConnectAsync(server);
        var headers = string.Concat(Enumerable.Range(1, count - 1).Select(i => $"X-{i}: v\r\n"));
        await client.SendAsync($"GET / HTTP/1.1\r\nHost: x\r\n{headers}\r\n");
        Assert.Equal(status, (await client.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData(40, 200)]
    [InlineData(41, 414)]
    public async Task Request_line_at_the_configured_limit_is_accepted_and_one_past_it_is_414(int length, int status)
    {
        await using var server = await TestServer.StartAsync(HelloApp.App, o => o.MaxRequestLineSize = 40);
        using var client = await RawClient.ConnectAsync(server);
        var path = "/" + new string('p', length - "GET / HTTP/1.1".Length);
        await client.SendAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(status, (await client.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task Header_block_over_the_configured_size_is_431_without_waiting_for_its_end()
    {
        await using var server = await TestServer.StartAsync(HelloApp.App, o => o.MaxRequestHeadersSize = 100);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('b', 200));
        Assert.Equal(431, (await client.ReadResponseAsync()).Status);
    }
}
