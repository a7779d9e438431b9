using System.Net;
using System.Net.Sockets;
using System.Text;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Sockets;

/// <summary>
/// A Python app's connections read and written on the event loop's thread (docs/python.md, "Sockets on the event
/// loop"): a request costs no thread switch, and the transport keeps Kestrel's behaviour at its edges (input paused
/// over its limit and resumed, a full send buffer waited out, pipelining). Counts, not timings.
/// </summary>
public sealed class LoopSocketTests(LoopSocketServer fixture) : IClassFixture<LoopSocketServer>
{
    [SkippableFact]
    public async Task A_keep_alive_request_costs_no_wake_up_and_no_thread_pool_work_item()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const int Requests = 300;
        using var client = Client(fixture.Server.Port);
        await client.GetStringAsync("/state"); // the connection is open before counting
        var before = await Counters.ReadAsync(client);
        for (var i = 0; i < Requests; i++)
        {
            Assert.Equal("{\"started\": \"yes\"}", await client.GetStringAsync("/state"));
        }

        var after = await Counters.ReadAsync(client);
        var scopes = after["scopes"] - before["scopes"];
        Assert.Equal(Requests + 1, scopes);

        // Read, parsed, run and written on the loop thread: nothing is posted across threads, so the loop is never
        // woken through its pipe, and the thread pool runs only the server's timers (a few per second).
        Assert.Equal(0, after["wake_writes"] - before["wake_writes"]);

        // Each response left in a batch sent at the end of the loop's iteration, not at the app's flush.
        Assert.True(after["send_batches"] - before["send_batches"] >= Requests, $"send batches: {after["send_batches"] - before["send_batches"]}");
        var perRequest = (double)(after["pool_work_items"] - before["pool_work_items"]) / scopes;
        Assert.True(perRequest < 0.2, $"{perRequest:F2} thread-pool work items per request");

        // The process's .NET garbage collections are counted beside them (docs/python.md, "Counted costs").
        Assert.True(after["gc_collections"] >= before["gc_collections"], "gc_collections went back");
    }

    [SkippableFact]
    public async Task An_upload_over_the_input_limit_pauses_reading_and_arrives_whole()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = Client(fixture.Server.Port);
        var before = await Counters.ReadAsync(client);

        // 16 MiB sent at once to an app that reads it only after half a second: meanwhile the loop reads until the
        // connection's input holds its 1 MiB limit and stops watching the socket; it resumes when the app takes the body.
        var body = new byte[16 << 20];
        body.AsSpan().Fill((byte)'u');
        var response = await RawHttp.SendAsync(fixture.Server.Port, "POST", "/late-echo?0.5", body: body);
        Assert.Equal(200, response.Status);
        Assert.StartsWith($"{{\"bytes\": {body.Length}, ", response.Text, StringComparison.Ordinal);

        var after = await Counters.ReadAsync(client);
        Assert.True(after["socket_read_pauses"] > before["socket_read_pauses"], "the input never paused");
    }

    [SkippableFact]
    public async Task A_download_to_a_client_that_reads_late_waits_for_the_socket_and_arrives_whole()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var client = Client(fixture.Server.Port);
        var before = await Counters.ReadAsync(client);

        const int Size = 32 << 20;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await socket.ConnectAsync(IPAddress.Loopback, fixture.Server.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /download?{Size} HTTP/1.1\r\nhost: t\r\n\r\n"));

        // Not reading yet: the server's send buffer fills, its send would block, and it waits for the loop to say
        // the socket is writable again.
        await Task.Delay(500);
        var received = 0L;
        var headEnd = -1;
        var head = new List<byte>();
        var buffer = new byte[256 * 1024];
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (headEnd < 0 || received < Size)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
            Assert.True(n > 0, $"the connection ended after {received} body bytes");
            if (headEnd < 0)
            {
                head.AddRange(buffer.AsSpan(0, n));
                headEnd = Encoding.ASCII.GetString([.. head]).IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headEnd >= 0)
                {
                    Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString([.. head]), StringComparison.Ordinal);
                    received = head.Count - (headEnd + 4);
                }
            }
            else
            {
                received += n;
            }
        }

        Assert.Equal(Size, received);
        var after = await Counters.ReadAsync(client);
        Assert.True(after["socket_write_waits"] > before["socket_write_waits"], "no send waited for the socket");
    }

    [SkippableFact]
    public async Task Pipelined_requests_are_answered_in_order_on_one_connection()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, fixture.Server.Port);
        var requests = "GET /sleep?0.2 HTTP/1.1\r\nhost: t\r\n\r\nGET /state HTTP/1.1\r\nhost: t\r\n\r\nGET /sleep?0 HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(requests));
        var all = new List<byte>();
        var buffer = new byte[4096];
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, n));
        }

        var text = Encoding.ASCII.GetString([.. all]);
        var slept = text.IndexOf("slept", StringComparison.Ordinal);
        var state = text.IndexOf("{\"started\": \"yes\"}", StringComparison.Ordinal);
        var last = text.LastIndexOf("slept", StringComparison.Ordinal);
        Assert.True(slept >= 0 && state > slept && last > state, text);
        Assert.Equal(3, text.Split("HTTP/1.1 200 OK").Length - 1);
    }

    [SkippableFact]
    public async Task Many_connections_at_once_are_all_served()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => RawHttp.SendAsync(fixture.Server.Port, "POST", "/echo", body: Encoding.ASCII.GetBytes(new string('x', i * 1000)))));
        for (var i = 0; i < responses.Length; i++)
        {
            Assert.StartsWith($"{{\"bytes\": {i * 1000}, ", responses[i].Text, StringComparison.Ordinal);
        }
    }

    private static HttpClient Client(int port) => Counters.OneConnectionClient(port);
}

/// <summary><c>--python-sockets kestrel</c>: Kestrel's socket threads read and write, and hand requests to the loop.</summary>
public sealed class KestrelSocketTests(KestrelSocketServer fixture) : IClassFixture<KestrelSocketServer>
{
    [SkippableFact]
    public async Task A_keep_alive_request_crosses_to_the_loop_and_back_through_the_thread_pool()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const int Requests = 300;
        using var client = Counters.OneConnectionClient(fixture.Server.Port);
        await client.GetStringAsync("/state");
        var before = await Counters.ReadAsync(client);
        for (var i = 0; i < Requests; i++)
        {
            Assert.Equal("{\"started\": \"yes\"}", await client.GetStringAsync("/state"));
        }

        var after = await Counters.ReadAsync(client);
        var scopes = after["scopes"] - before["scopes"];

        // One request at a time: each wakes the loop once, with one byte on the wake pipe; the socket's read and
        // write are the thread pool's, and the app's completion resumes the connection on the loop thread.
        var wakeups = after["wakeups"] - before["wakeups"];
        Assert.True(wakeups > scopes / 2 && wakeups <= scopes, $"wake-ups: {wakeups} for {scopes} requests");
        Assert.Equal(wakeups, after["wake_writes"] - before["wake_writes"]);
        var perRequest = (double)(after["pool_work_items"] - before["pool_work_items"]) / scopes;
        Assert.True(perRequest is > 0.5 and < 2.1, $"{perRequest:F2} thread-pool work items per request");
    }

    [SkippableFact]
    public async Task A_large_upload_and_download_arrive_whole()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var upload = await RawHttp.SendAsync(fixture.Server.Port, "POST", "/echo", body: new byte[4 << 20]);
        Assert.StartsWith($"{{\"bytes\": {4 << 20}, ", upload.Text, StringComparison.Ordinal);
        var download = await RawHttp.SendAsync(fixture.Server.Port, "GET", $"/download?{8 << 20}");
        Assert.Equal(8 << 20, download.Body.Length);
    }
}

/// <summary><c>asgibridge_loop.counters()</c> through the app's <c>/counters</c> route.</summary>
internal static class Counters
{
    /// <summary>An HTTP client that keeps to one keep-alive connection (the counts are per request on it).</summary>
    public static HttpClient OneConnectionClient(int port) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

    public static async Task<Dictionary<string, long>> ReadAsync(HttpClient client) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, long>>(await client.GetStringAsync("/counters"))!;
}
