using System.Text;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Http1;

public sealed class AppFaultTests
{
    private const string Get = "GET /fault HTTP/1.1\r\nHost: x\r\n\r\n";

    [Fact]
    public async Task Exception_before_start_is_answered_500_and_logged_with_the_request_line()
    {
        await using var server = await TestServer.StartAsync((scope, receive, send) => throw new InvalidOperationException("boom"));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get);
        var response = await client.ReadResponseAsync();
        Assert.Equal(500, response.Status);
        Assert.Equal("close", response.Header("connection"));
        await WaitForAsync(() => server.Logs.Entries.Any(e => e.Level == LogLevel.Error && e.Message.Contains("GET /fault", StringComparison.Ordinal) && e.Exception?.Message == "boom"));
    }

    [Fact]
    public async Task Returning_without_a_response_is_answered_500()
    {
        await using var server = await TestServer.StartAsync((scope, receive, send) => ValueTask.CompletedTask);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get);
        Assert.Equal(500, (await client.ReadResponseAsync()).Status);
        await WaitForAsync(() => server.Logs.Entries.Any(e => e.Message.Contains("without sending a response", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_receive_left_reading_the_body_when_the_app_returns_keeps_the_connection_once_the_body_arrives()
    {
        // A task of the app's waits in receive() and is abandoned when the response is sent (Starlette's
        // BaseHTTPMiddleware): the body arrives after the response; the connection serves the next request (as uvicorn).
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            if (scope.Path == "/abandon")
            {
                _ = receive().AsTask();
            }

            await send(new HttpResponseStartEvent(200, [new("content-length", "2")]));
            await send(new HttpResponseBodyEvent("ok"u8.ToArray()));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST /abandon HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        await client.SendAsync("hello");
        await client.SendAsync(Get);
        var next = await client.ReadResponseAsync();
        Assert.Equal((200, "ok"), (next.Status, next.BodyText));
    }

    [Fact]
    public async Task The_500_of_a_HEAD_request_announces_the_page_length_and_sends_no_body()
    {
        // RFC 9110 §9.3.2: no content in a response to HEAD, even the server's own page; the connection closes.
        await using var server = await TestServer.StartAsync((scope, receive, send) => throw new InvalidOperationException("boom"));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("HEAD /fault HTTP/1.1\r\nHost: x\r\n\r\n");
        var text = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 500 Internal Server Error\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\ncontent-length: 21\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_body_over_the_declared_content_length_is_answered_500_with_nothing_of_it_sent()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("content-length", "2"), new("x-app", "yes")]));
            await send(new HttpResponseBodyEvent("abc"u8.ToArray()));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get);
        var text = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 500 ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("x-app", text, StringComparison.Ordinal);
        Assert.DoesNotContain("abc", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exception_after_the_response_started_closes_the_connection_without_a_complete_body()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("partial"u8.ToArray(), moreBody: true));
            throw new InvalidOperationException("late");
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get);
        var text = await client.ReadToEndAsync();
        Assert.Contains("transfer-encoding: chunked", text, StringComparison.Ordinal);
        Assert.Contains("partial", text, StringComparison.Ordinal);
        Assert.DoesNotContain("0\r\n\r\n", text, StringComparison.Ordinal); // never the terminating chunk
    }

    [Fact]
    public async Task Returning_with_the_response_incomplete_closes_the_connection()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("partial"u8.ToArray(), moreBody: true));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get);
        var text = await client.ReadToEndAsync();
        Assert.DoesNotContain("0\r\n\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_without_body_then_return_is_answered_500_as_nothing_reached_the_wire()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) => await send(new HttpResponseStartEvent(204)));
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get);
        Assert.Equal(500, (await client.ReadResponseAsync()).Status);
    }

    [Theory]
    [InlineData("x-bad", "a\r\nset-cookie: injected")]
    [InlineData("x-bad", "nul\0byte")]
    [InlineData("bad name", "v")]
    [InlineData(":status", "200")]
    public async Task Response_header_injection_raises_to_the_app_and_nothing_is_written(string name, string value)
    {
        Exception? raised = null;
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            try
            {
                await send(new HttpResponseStartEvent(200, [new AsgiHeader(name, value)]));
            }
            catch (AsgiProtocolException ex)
            {
                raised = ex;
                throw;
            }
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get);
        var text = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 500 ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("injected", text, StringComparison.Ordinal);
        Assert.NotNull(raised);
        Assert.Contains("http.response.start", raised!.Message, StringComparison.Ordinal);
        Assert.Contains("headers", raised.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, Func<AsgiSend, ValueTask>, string> Misuse => new()
    {
        { "body before start", send => send(new HttpResponseBodyEvent("x"u8.ToArray())), "before 'http.response.start'" },
        { "start twice", async send => { await send(new HttpResponseStartEvent(200)); await send(new HttpResponseStartEvent(200)); }, "sent twice" },
        { "body after complete", async send => { await send(new HttpResponseStartEvent(200)); await send(new HttpResponseBodyEvent("x"u8.ToArray())); await send(new HttpResponseBodyEvent("y"u8.ToArray())); }, "after the response was complete" },
        { "unknown type", send => send(new Dictionary<string, object?> { ["type"] = "http.response.zip" }), "Unknown event type 'http.response.zip'" },
        { "missing status", send => send(new Dictionary<string, object?> { ["type"] = "http.response.start" }), "missing required key 'status'" },
        { "status not int", send => send(new Dictionary<string, object?> { ["type"] = "http.response.start", ["status"] = "200" }), "key 'status' must be int" },
        { "body not bytes", async send => { await send(new HttpResponseStartEvent(200)); await send(new Dictionary<string, object?> { ["type"] = "http.response.body", ["body"] = "text" }); }, "key 'body' must be bytes" },
        { "over content-length", async send => { await send(new HttpResponseStartEvent(200, [new("content-length", "2")])); await send(new HttpResponseBodyEvent("abc"u8.ToArray())); }, "exceed its content-length of 2" },
        { "bad status", send => send(new HttpResponseStartEvent(42)), "key 'status'" },
    };

    [Theory]
    [MemberData(nameof(Misuse))]
    public async Task Event_misuse_raises_to_the_app_with_a_message_naming_the_event_and_key(string name, Func<AsgiSend, ValueTask> misuse, string expected)
    {
        Assert.NotNull(name);
        var raised = new TaskCompletionSource<Exception?>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            try
            {
                await misuse(send);
                raised.TrySetResult(null);
            }
            catch (Exception ex)
            {
                raised.TrySetResult(ex);
                throw;
            }
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get);
        var exception = await raised.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<AsgiProtocolException>(exception);
        Assert.Contains(expected, exception!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Incomplete_close_delimited_response_is_reset_so_it_cannot_look_complete()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("partial"u8.ToArray(), moreBody: true));
            await Task.Delay(100);
            throw new InvalidOperationException("late");
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.0\r\n\r\n");
        var ex = await Record.ExceptionAsync(async () =>
        {
            var buffer = new byte[4096];
            using var socket = client.Socket;
            while (await socket.ReceiveAsync(buffer) > 0)
            {
            }
        });
        var socketError = Assert.IsType<System.Net.Sockets.SocketException>(ex);
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionReset, socketError.SocketErrorCode);
    }

    [Fact]
    public async Task Fewer_bytes_than_content_length_closes_the_connection()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("content-length", "10")]));
            await send(new HttpResponseBodyEvent("abc"u8.ToArray()));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get + Get);
        var text = await client.ReadToEndAsync();
        Assert.Single(text.Split("HTTP/1.1 "), part => part.Length > 0);
        Assert.EndsWith("abc", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task App_transfer_encoding_is_ignored_and_the_server_frames()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("transfer-encoding", "gzip")]));
            await send(new HttpResponseBodyEvent("plain"u8.ToArray()));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(Get);
        var response = await client.ReadResponseAsync();
        Assert.Null(response.Header("transfer-encoding"));
        Assert.Equal("5", response.Header("content-length"));
        Assert.Equal("plain", response.BodyText);
    }

    [Fact]
    public async Task Status_204_and_304_carry_no_body_bytes()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            var status = scope.Path == "/204" ? 204 : 304;
            await send(new HttpResponseStartEvent(status));
            await send(new HttpResponseBodyEvent("ignored"u8.ToArray()));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var text = await client.ReadToEndAsync();
        Assert.DoesNotContain("ignored", text, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 204 No Content\r\n", text, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 304 Not Modified\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_dictionary_events_work_like_typed_ones()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            var request = await receive();
            Assert.Equal("http.request", request["type"]);
            await send(new Dictionary<string, object?>
            {
                ["type"] = "http.response.start",
                ["status"] = 201,
                ["headers"] = new List<object> { new List<object> { "x-one", "1" }, ("x-two", "2") },
            });
            await send(new Dictionary<string, object?> { ["type"] = "http.response.body", ["body"] = Encoding.ASCII.GetBytes(scope["path"] as string ?? ""), ["more_body"] = false });
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET /dict HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(201, response.Status);
        Assert.Equal("1", response.Header("x-one"));
        Assert.Equal("2", response.Header("x-two"));
        Assert.Equal("/dict", response.BodyText);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
