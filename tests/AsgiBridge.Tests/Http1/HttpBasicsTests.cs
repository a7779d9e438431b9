using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Http1;

public sealed class HttpBasicsTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(DemoApp.App);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Hello_answers_200_with_text_and_server_headers()
    {
        using var client = new HttpClient { BaseAddress = _server.BaseUri };
        using var response = await client.GetAsync("/hello");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello, World!", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(13, response.Content.Headers.ContentLength);
        Assert.NotNull(response.Headers.Date);
        Assert.Equal("asgibridge", response.Headers.Server.ToString());
    }

    [Fact]
    public async Task Echo_reports_the_scope_and_the_body()
    {
        using var client = new HttpClient { BaseAddress = _server.BaseUri };
        using var content = new ByteArrayContent("payload"u8.ToArray());
        using var response = await client.PostAsync("/echo/a%20b?x=1&y=%20", content);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("http", root.GetProperty("type").GetString());
        Assert.Equal("1.1", root.GetProperty("http_version").GetString());
        Assert.Equal("POST", root.GetProperty("method").GetString());
        Assert.Equal("http", root.GetProperty("scheme").GetString());
        Assert.Equal("/echo/a b", root.GetProperty("path").GetString());
        Assert.Equal("/echo/a%20b", root.GetProperty("raw_path").GetString());
        Assert.Equal("x=1&y=%20", root.GetProperty("query_string").GetString());
        Assert.Equal("", root.GetProperty("root_path").GetString());
        Assert.Equal("payload", Encoding.UTF8.GetString(root.GetProperty("body").GetBytesFromBase64()));
        Assert.Equal("127.0.0.1", root.GetProperty("client")[0].GetString());
        Assert.Equal(_server.Port, root.GetProperty("server")[1].GetInt32());
        var host = root.GetProperty("headers").EnumerateArray().First(h => h[0].GetString() == "host");
        Assert.Equal($"127.0.0.1:{_server.Port}", host[1].GetString());
    }

    [Fact]
    public async Task Chunked_request_body_is_decoded_for_the_app()
    {
        using var client = new RawClientScope(_server);
        var raw = await client.Client();
        await raw.SendAsync("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        using var json = JsonDocument.Parse(response.BodyText);
        Assert.Equal("hello world", Encoding.UTF8.GetString(json.RootElement.GetProperty("body").GetBytesFromBase64()));
        Assert.DoesNotContain(json.RootElement.GetProperty("headers").EnumerateArray(), h => h[0].GetString() == "x-trailer");
    }

    [Fact]
    public async Task Streamed_response_is_chunked_on_http11()
    {
        using var client = new HttpClient { BaseAddress = _server.BaseUri };
        using var response = await client.GetAsync("/stream?chunks=5&size=3");
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal(new string('x', 15), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Streamed_response_to_http10_is_delimited_by_close()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync("GET /stream?chunks=2&size=4 HTTP/1.0\r\n\r\n");
        var text = await raw.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("transfer-encoding", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("connection: close", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nxxxxxxxx", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http10_keep_alive_is_honoured_only_when_asked()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var first = await raw.ReadResponseAsync();
        Assert.Equal("keep-alive", first.Header("connection"));
        await raw.SendAsync("GET /hello HTTP/1.0\r\n\r\n");
        var responses = await raw.ReadResponsesAsync(2);
        Assert.Equal(2, responses.Count);
        Assert.Equal("close", responses[1].Header("connection"));
        Assert.True(await raw.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Pipelined_requests_are_answered_in_order()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync(
            "GET /echo/1 HTTP/1.1\r\nHost: x\r\n\r\n" +
            "POST /echo/2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
            "POST /echo/3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n" +
            "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var responses = await raw.ReadResponsesAsync(4);
        Assert.Equal(4, responses.Count);
        Assert.Contains("\"path\":\"/echo/1\"", responses[0].BodyText, StringComparison.Ordinal);
        Assert.Contains("\"path\":\"/echo/2\"", responses[1].BodyText, StringComparison.Ordinal);
        Assert.Contains("\"body\":\"YWJj\"", responses[1].BodyText, StringComparison.Ordinal);
        Assert.Contains("\"path\":\"/echo/3\"", responses[2].BodyText, StringComparison.Ordinal);
        Assert.Equal("Hello, World!", responses[3].BodyText);
        Assert.True(await raw.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_websocket_upgrade_pipelined_behind_a_request_gets_its_session_and_the_frame_sent_with_it()
    {
        // GET, the upgrade and the first WebSocket frame in one write: the GET is parsed from a read the server
        // keeps open, and the upgrade must take the bytes after its head from that same read.
        await using var server = await TestServer.StartAsync(HelloApp.App);
        using var raw = await RawClient.ConnectAsync(server);
        var mask = new byte[] { 1, 2, 3, 4 };
        var frame = new byte[] { 0x81, 0x82, mask[0], mask[1], mask[2], mask[3], (byte)('h' ^ mask[0]), (byte)('i' ^ mask[1]) };
        var heads = Encoding.ASCII.GetBytes(
            "GET /first HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        await raw.SendAsync([.. heads, .. frame]);

        var received = new List<byte>();
        var buffer = new byte[4096];
        var echo = new byte[] { 0x81, 0x02, (byte)'h', (byte)'i' };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (received.Count < echo.Length || !received.TakeLast(echo.Length).SequenceEqual(echo))
        {
            var n = await raw.Socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, timeout.Token);
            Assert.NotEqual(0, n);
            received.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        var text = Encoding.Latin1.GetString(received.ToArray());
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", text, StringComparison.Ordinal);
        var upgrade = text.IndexOf("HTTP/1.1 101 Switching Protocols\r\n", StringComparison.Ordinal);
        Assert.True(upgrade > text.IndexOf("Hello, World!", StringComparison.Ordinal));
        Assert.Contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_pipelined_response_is_not_held_back_by_a_slow_next_request()
    {
        var release = new TaskCompletionSource();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            if (scope.Path == "/slow")
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(20)); // released only once the first response was read
            }

            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent(Encoding.ASCII.GetBytes(scope.Path)));
        });
        using var raw = await RawClient.ConnectAsync(server);
        await raw.SendAsync("GET /fast HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        var first = await raw.ReadResponsesAsync(1, timeout: TimeSpan.FromSeconds(5));
        Assert.Equal("/fast", first[0].BodyText);
        release.SetResult();
        Assert.Equal("/slow", (await raw.ReadResponsesAsync(2))[1].BodyText);
    }

    [Fact]
    public async Task Unread_request_body_is_skipped_before_the_next_request()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync(
            "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789" +
            "POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
            "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = await raw.ReadResponsesAsync(3);
        Assert.Equal(3, responses.Count);
        Assert.Contains("\"method\":\"GET\"", responses[2].BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_response_has_headers_but_no_body()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        var head = await raw.ReadResponseAsync("HEAD");
        Assert.Equal(200, head.Status);
        Assert.Equal("13", head.Header("content-length"));
        var all = await raw.ReadResponsesAsync(2, "HEAD");
        // The GET's response starts right after the HEAD's headers: no body bytes leaked in between.
        Assert.Equal(2, all.Count);
        Assert.Equal(200, all[1].Status);
    }

    [Fact]
    public async Task Expect_100_continue_is_sent_only_when_the_app_reads_the_body()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        var interim = await raw.ReadResponseAsync();
        Assert.Equal(100, interim.Status);
        await raw.SendAsync("data");
        var responses = await raw.ReadResponsesAsync(2);
        Assert.Equal(200, responses[1].Status);
        Assert.Contains("\"body\":\"ZGF0YQ==\"", responses[1].BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_100_continue_behind_a_pipelined_response_goes_out_after_that_response_intact()
    {
        // The hello response waits unflushed (parked in the output) while the pipelined POST is served; the
        // interim 100 must be written after it, not over it.
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync(
            "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n" +
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        var first = await raw.ReadResponsesAsync(2);
        Assert.Equal(200, first[0].Status);
        Assert.Equal("Hello, World!", first[0].BodyText);
        Assert.Equal(100, first[1].Status);
        await raw.SendAsync("data");
        var all = await raw.ReadResponsesAsync(3);
        Assert.Equal(200, all[2].Status);
        Assert.Contains("\"body\":\"ZGF0YQ==\"", all[2].BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expect_100_continue_is_not_sent_when_the_app_answers_without_reading()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal("close", response.Header("connection"));
        Assert.True(await raw.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Large_bodies_stream_both_ways()
    {
        using var client = new HttpClient { BaseAddress = _server.BaseUri };
        var payload = new byte[3 * 1024 * 1024];
        new Random(1).NextBytes(payload);
        using var content = new StreamContent(new MemoryStream(payload));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await client.PostAsync("/echo", content);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        Assert.Equal(payload, json.RootElement.GetProperty("body").GetBytesFromBase64());

        var streamed = await client.GetByteArrayAsync("/stream?chunks=64&size=65536");
        Assert.Equal(64 * 65536, streamed.Length);
    }

    [Fact]
    public async Task Empty_lines_before_a_request_are_ignored()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync("\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await raw.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task Absolute_form_uses_the_target_path_and_authority()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync("GET http://example.com:8080/echo/abs?q=1#frag HTTP/1.1\r\nHost: other\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        using var json = JsonDocument.Parse(response.BodyText);
        Assert.Equal("/echo/abs", json.RootElement.GetProperty("raw_path").GetString());
        Assert.Equal("q=1", json.RootElement.GetProperty("query_string").GetString());
        Assert.Equal("example.com:8080", json.RootElement.GetProperty("headers")[0][1].GetString());
    }

    [Fact]
    public async Task Asterisk_form_options_reaches_the_app()
    {
        using var scope = new RawClientScope(_server);
        var raw = await scope.Client();
        await raw.SendAsync("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(404, (await raw.ReadResponseAsync()).Status);
    }
}

/// <summary>Owns a raw client for the duration of a test.</summary>
public sealed class RawClientScope(TestServer server) : IDisposable
{
    private RawClient? _client;

    public async Task<RawClient> Client() => _client ??= await RawClient.ConnectAsync(server);

    public void Dispose() => _client?.Dispose();
}
