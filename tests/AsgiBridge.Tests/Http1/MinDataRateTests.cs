using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// Asgi:MinRequestBodyDataRate and Asgi:MinResponseDataRate over real sockets. The rates are judged on the
/// one-second heartbeat, so the margins below are several seconds wide; the rates used are far from the
/// clients' own so the outcome never depends on scheduling.
/// </summary>
public sealed class MinDataRateTests
{
    private static readonly MinDataRate s_testRate = new(100, TimeSpan.FromSeconds(2));

    [Fact]
    public async Task A_body_trickled_below_the_minimum_rate_gets_408_and_the_app_sees_http_disconnect()
    {
        var seen = new TaskCompletionSource<string>();
        await using var server = await TestServer.StartAsync(TestApps.ReportFirstNonRequestEvent(seen), o => o.MinRequestBodyDataRate = s_testRate);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nab");
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var sender = TrickleAsync(client, bytesPerTick: 1, TimeSpan.FromMilliseconds(100), stop.Token); // ~10 B/s, far below 100

        Assert.Equal("http.disconnect", await seen.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        var text = await client.ReadToEndAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await sender;
        Assert.StartsWith("HTTP/1.1 408 ", text, StringComparison.Ordinal);
        Assert.Contains("connection: close", text, StringComparison.OrdinalIgnoreCase);
        // Cut after the 2 s grace period and within a few heartbeats of it, long before the 30 s stall timeout.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task A_body_arriving_above_the_minimum_rate_is_never_cut()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            var body = await TestApps.ReadBodyAsync(receive);
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent(Encoding.ASCII.GetBytes(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }, o => o.MinRequestBodyDataRate = s_testRate);
        using var client = await RawClient.ConnectAsync(server);
        const int length = 2500; // 500 B/s for 5 s: five times the minimum, well past the grace period
        await client.SendAsync($"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n");
        for (var sent = 0; sent < length; sent += 50)
        {
            await client.SendAsync(new byte[50]);
            await Task.Delay(100);
        }

        var response = await client.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal("2500", response.BodyText);
    }

    [Fact]
    public async Task Time_the_app_spends_busy_does_not_count_against_the_body_rate()
    {
        // The app takes 1 s over each piece; the client sends everything at once. Only waits in receive count.
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            var total = 0;
            while (await receive() is HttpRequestEvent request)
            {
                total += request.Body.Length;
                if (!request.MoreBody)
                {
                    break;
                }

                await Task.Delay(1000);
            }

            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent(Encoding.ASCII.GetBytes(total.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }, o => o.MinRequestBodyDataRate = new MinDataRate(1_000_000, TimeSpan.FromSeconds(2)));
        using var client = await RawClient.ConnectAsync(server);
        const int length = 5 * 1024 * 1024; // five 1 MiB events: ~5 s in the app, far longer than the grace period
        await client.SendAsync($"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n");
        await client.SendAsync(new byte[length]);
        var response = await client.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal(length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.BodyText);
    }

    [Fact]
    public async Task A_fast_30_MB_upload_to_a_slow_app_is_never_cut_with_the_default_rates()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            long total = 0;
            while (await receive() is HttpRequestEvent request)
            {
                total += request.Body.Length;
                if (!request.MoreBody)
                {
                    break;
                }

                await Task.Delay(20);
            }

            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent(Encoding.ASCII.GetBytes(total.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        });
        using var client = await RawClient.ConnectAsync(server);
        const int length = 30_000_000;
        await client.SendAsync($"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n");
        var chunk = new byte[1 << 20];
        for (var sent = 0; sent < length; sent += chunk.Length)
        {
            await client.SendAsync(chunk.AsMemory(0, Math.Min(chunk.Length, length - sent)).ToArray());
        }

        var response = await client.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal("30000000", response.BodyText);
    }

    [Fact]
    public async Task With_the_rate_off_only_the_stall_timeout_cuts_a_trickled_body()
    {
        var seen = new TaskCompletionSource<string>();
        await using var server = await TestServer.StartAsync(TestApps.ReportFirstNonRequestEvent(seen), o => o.MinRequestBodyDataRate = null);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
        using var stop = new CancellationTokenSource();
        var sender = TrickleAsync(client, bytesPerTick: 1, TimeSpan.FromMilliseconds(100), stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.False(seen.Task.IsCompleted);
        await stop.CancelAsync();
        await sender;
    }

    [Fact]
    public async Task A_client_reading_below_the_minimum_rate_is_aborted_and_send_raises()
    {
        var outcome = new TaskCompletionSource<Exception?>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            try
            {
                await send(new HttpResponseStartEvent(200));
                var piece = new byte[16 * 1024];
                for (var i = 0; i < 100_000; i++)
                {
                    await send(new HttpResponseBodyEvent(piece, moreBody: true));
                }

                outcome.TrySetResult(null);
            }
            catch (Exception ex)
            {
                outcome.TrySetResult(ex);
                throw;
            }
        }, o =>
        {
            o.TimeoutSend = TimeSpan.FromSeconds(600); // far away: only the rate can end it
            o.MinResponseDataRate = new MinDataRate(1_000_000, TimeSpan.FromSeconds(2));
        });

        using var client = await RawClient.ConnectAsync(server);
        client.Socket.ReceiveBufferSize = 4096;
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        // The client never reads: once the buffers are full a flush waits, and the bytes sent earn a few seconds at 1 MB/s.
        var exception = await outcome.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.IsType<ClientDisconnectedException>(exception);
        Assert.Contains(server.Logs.Entries, e => e.Message.Contains("Asgi:MinResponseDataRate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_reading_above_the_minimum_rate_gets_the_whole_response()
    {
        const int pieces = 40;
        const int size = 4096;
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("content-length", (pieces * size).ToString(System.Globalization.CultureInfo.InvariantCulture))]));
            for (var i = 0; i < pieces; i++)
            {
                await send(new HttpResponseBodyEvent(new byte[size], moreBody: i < pieces - 1));
            }
        }, o => o.MinResponseDataRate = new MinDataRate(5_000, TimeSpan.FromSeconds(2)));

        using var client = await RawClient.ConnectAsync(server);
        client.Socket.ReceiveBufferSize = 4096;
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

        // Reads ~40 KB/s for ~4 s: eight times the minimum.
        var buffer = new byte[2048];
        long total = 0;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var read = await client.Socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total >= pieces * size)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.True(total >= pieces * size, $"read {total} bytes");
    }

    private static async Task TrickleAsync(RawClient client, int bytesPerTick, TimeSpan tick, CancellationToken stop)
    {
        var piece = new byte[bytesPerTick];
        Array.Fill(piece, (byte)'x');
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await client.SendAsync(piece);
                await Task.Delay(tick, stop);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
