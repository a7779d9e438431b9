using System.Net;
using System.Net.WebSockets;
using System.Text;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Diagnostics;

public sealed class AccessLogTests
{
    private static int LocalPort(RawClient client) => ((IPEndPoint)client.Socket.LocalEndPoint!).Port;

    [Fact]
    public async Task A_request_is_logged_after_its_response_as_uvicorns_line_with_structured_fields()
    {
        await using var server = await TestServer.StartAsync(TestApps.Respond(200, "hello"));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET /hi?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);

        var line = await AccessLines.WaitForAsync(server);
        var port = LocalPort(client);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Matches($"^127\\.0\\.0\\.1:{port} - \"GET /hi\\?x=1 HTTP/1\\.1\" 200 5 B [0-9.]+ ms$", line.Message);
        Assert.Equal($"127.0.0.1:{port}", line.Fields["client"]);
        Assert.Equal("GET", line.Fields["method"]);
        Assert.Equal("/hi?x=1", line.Fields["target"]);
        Assert.Equal("1.1", line.Fields["http_version"]);
        Assert.Equal(200, line.Fields["status"]);
        Assert.Equal(5L, line.Fields["bytes_sent"]);
        Assert.IsType<double>(line.Fields["duration_ms"]);
        Assert.True((double)line.Fields["duration_ms"]! >= 0);
    }

    [Fact]
    public async Task A_head_request_logs_the_bytes_actually_sent_and_http10_its_version()
    {
        await using var server = await TestServer.StartAsync(TestApps.Respond(404, "missing"));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("HEAD /gone HTTP/1.0\r\n\r\n");
        Assert.Equal(404, (await client.ReadResponseAsync("HEAD")).Status);

        var line = await AccessLines.WaitForAsync(server);
        Assert.Contains("\"HEAD /gone HTTP/1.0\" 404 0 B ", line.Message, StringComparison.Ordinal);
        Assert.Equal("1.0", line.Fields["http_version"]);
    }

    /// <summary>CVE-2020-7694: uvicorn logged the decoded path, so %1b and %0d%0a became a real escape sequence and line break.</summary>
    [Fact]
    public async Task A_percent_encoded_escape_sequence_is_logged_as_sent_never_decoded()
    {
        await using var server = await TestServer.StartAsync(TestApps.Respond(200, "ok"));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET /%1b[2J%1b[31m%0d%0aFORGED%20LINE HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);

        var line = await AccessLines.WaitForAsync(server);
        Assert.Contains("\"GET /%1b[2J%1b[31m%0d%0aFORGED%20LINE HTTP/1.1\" 200", line.Message, StringComparison.Ordinal);
        Assert.True(AccessLines.IsInert(line.Message));
    }

    [Theory]
    [InlineData("GET /a\u001b[2J\u001b[31mred\rFORGED\u00c3\u00a9\u007f HTTP/1.1", "/a\\x1b[2J\\x1b[31mred\\x0dFORGED\\xc3\\xa9\\x7f")]
    [InlineData("GET /caf\u00c3\u00a9 HTTP/1.1", "/caf\\xc3\\xa9")]
    [InlineData("GET /\u0000\u0007\u0008\tx HTTP/1.1", "/\\x00\\x07\\x08\\x09x")]
    public async Task A_rejected_request_line_with_control_or_high_bytes_is_logged_escaped_and_cannot_forge_lines(string requestLine, string loggedTarget)
    {
        await using var server = await TestServer.StartAsync(TestApps.Respond(200, "ok"));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(requestLine + "\r\nHost: x\r\n\r\n");
        Assert.Equal(400, (await client.ReadResponseAsync()).Status);

        var line = await AccessLines.WaitForAsync(server);
        Assert.Contains($"- \"GET {loggedTarget} HTTP/1.1\" 400 ", line.Message, StringComparison.Ordinal);
        Assert.Equal(loggedTarget, line.Fields["target"]);
        Assert.True(AccessLines.IsInert(line.Message), line.Message);
        Assert.All(line.Fields.Values.OfType<string>(), value => Assert.True(AccessLines.IsInert(value), value));
    }

    [Fact]
    public async Task A_head_rejected_after_its_request_line_is_logged_with_the_line_status_and_reason()
    {
        await using var server = await TestServer.StartAsync(TestApps.Respond(200, "ok"));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST /form?q=1 HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(400, response.Status);

        var line = await AccessLines.WaitForAsync(server);
        Assert.Equal($"127.0.0.1:{LocalPort(client)} - \"POST /form?q=1 HTTP/1.1\" 400 {response.Body.Length} B (rejected: InvalidHeaderName)", line.Message);
        Assert.Equal(400, line.Fields["status"]);
        Assert.Equal("InvalidHeaderName", line.Fields["error_type"]);
    }

    [Fact]
    public async Task Input_that_never_became_a_request_line_is_logged_with_dashes()
    {
        await using var server = await TestServer.StartAsync(TestApps.Respond(200, "ok"));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync([0x16, 0x03, 0x01, 0x00, 0x05]);
        client.ShutdownSend();
        await client.ReadToEndAsync();

        var line = await AccessLines.WaitForAsync(server);
        Assert.EndsWith(" - \"- - HTTP/-\" 400 20 B (rejected: IncompleteRequest)", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_application_fault_is_logged_with_the_500_the_server_answered()
    {
        await using var server = await TestServer.StartAsync((scope, receive, send) => throw new InvalidOperationException("boom"));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET /fault HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(500, response.Status);

        var line = await AccessLines.WaitForAsync(server);
        Assert.Contains($"\"GET /fault HTTP/1.1\" 500 {response.Body.Length} B ", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessLog_false_silences_it()
    {
        await using (var server = await TestServer.StartAsync(TestApps.Respond(200, "ok"), args: ["--Asgi:AccessLog=false"]))
        {
            await AssertNoAccessLinesAfterTwoRequestsAsync(server);
        }

        await using var coded = await TestServer.StartAsync(TestApps.Respond(200, "ok"), o => o.AccessLog = false);
        await AssertNoAccessLinesAfterTwoRequestsAsync(coded);
    }

    [Fact]
    public async Task The_categorys_log_level_filters_it()
    {
        await using (var filtered = await TestServer.StartAsync(TestApps.Respond(200, "ok"), args: ["--Logging:LogLevel:AsgiBridge.AccessLog=Warning"]))
        {
            await AssertNoAccessLinesAfterTwoRequestsAsync(filtered);
        }

        await using var shown = await TestServer.StartAsync(TestApps.Respond(200, "ok"), args: ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:AsgiBridge.AccessLog=Information"]);
        using var client = await RawClient.ConnectAsync(shown);
        await client.SendAsync("GET /shown HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        Assert.Contains("\"GET /shown HTTP/1.1\" 200", (await AccessLines.WaitForAsync(shown)).Message, StringComparison.Ordinal);
    }

    /// <summary>Two requests on one connection: the second is parsed only after the first one's access line was written (or not).</summary>
    private static async Task AssertNoAccessLinesAfterTwoRequestsAsync(TestServer server)
    {
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.All(await client.ReadResponsesAsync(2), r => Assert.Equal(200, r.Status));
        await client.ReadToEndAsync();
        Assert.Empty(AccessLines.Of(server));
        Assert.Contains(server.Logs.Entries, e => e.Level == LogLevel.Debug || e.Level == LogLevel.Information);
    }

    [Fact]
    public async Task A_websocket_session_is_logged_at_accept_and_at_close_with_the_close_code()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            await receive(); // the client's message
            await send(WebSocketCloseEvent.Close(4000));
        });
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/chat?room=1"), CancellationToken.None);
        var accepted = await AccessLines.WaitForAsync(server, m => m.Contains("[accepted]", StringComparison.Ordinal));
        Assert.Matches("^127\\.0\\.0\\.1:[0-9]+ - \"WEBSOCKET /chat\\?room=1\" \\[accepted\\]$", accepted.Message);
        Assert.Equal("WEBSOCKET", accepted.Fields["method"]);
        Assert.Equal("/chat?room=1", accepted.Fields["target"]);

        await client.SendAsync(Encoding.UTF8.GetBytes("hi"), WebSocketMessageType.Text, true, CancellationToken.None);
        var result = await client.ReceiveAsync(new byte[16], CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        var closed = await AccessLines.WaitForAsync(server, m => m.Contains("[closed", StringComparison.Ordinal));
        Assert.Matches("^127\\.0\\.0\\.1:[0-9]+ - \"WEBSOCKET /chat\\?room=1\" \\[closed 4000\\] [0-9.]+ ms$", closed.Message);
        Assert.Equal(4000, closed.Fields["close_code"]);
        Assert.Equal(accepted.Fields["client"], closed.Fields["client"]);
        Assert.Equal(2, AccessLines.Of(server).Count); // no third line for the upgrade request itself
    }

    [Fact]
    public async Task A_refused_websocket_handshake_is_logged_as_its_http_answer()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(WebSocketCloseEvent.Close());
        });
        using var client = new ClientWebSocket();
        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/private"), CancellationToken.None));

        var line = await AccessLines.WaitForAsync(server);
        Assert.Contains("\"GET /private HTTP/1.1\" 403 ", line.Message, StringComparison.Ordinal);
    }
}
