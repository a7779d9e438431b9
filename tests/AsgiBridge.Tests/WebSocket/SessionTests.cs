using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using AsgiBridge.Tests.Infrastructure;
using AsgiBridge.Tests.WebSocket.Protocol;
using AsgiBridge.Tests.WebSocket.Session;
using Xunit.Abstractions;

namespace AsgiBridge.Tests.WebSocket;

/// <summary>
/// The ASGI side of a WebSocket session over real sockets: contract misuse raising to the app, close codes both
/// ways, the scope, keep-alive pings, the message size limit, backpressure both ways and concurrent sends.
/// </summary>
public sealed class SessionTests(ITestOutputHelper output)
{
    private static TaskCompletionSource<T> Signal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static Dictionary<string, object?> Event(string type, params (string Key, object? Value)[] keys)
    {
        var message = new Dictionary<string, object?>(StringComparer.Ordinal) { ["type"] = type };
        foreach (var (key, value) in keys)
        {
            message[key] = value;
        }

        return message;
    }

    // ------------------------------------------------------------------ 1. misuse raises to the app

    [Theory]
    [InlineData("send before accept", "websocket.send", "websocket.accept")]
    [InlineData("accept twice", "websocket.accept", "twice")]
    [InlineData("send with text and bytes", "websocket.send", "bytes", "text")]
    [InlineData("typed send with text and bytes", "websocket.send", "bytes", "text")]
    [InlineData("send with neither text nor bytes", "websocket.send", "bytes", "text")]
    [InlineData("unknown event type", "websocket.frobnicate")]
    [InlineData("http event on a websocket scope", "http.response.start")]
    [InlineData("close with code 1005", "websocket.close", "code", "1005")]
    [InlineData("close with code 1006", "websocket.close", "code", "1006")]
    [InlineData("typed close with code 5000", "websocket.close", "code", "5000")]
    [InlineData("close with a 124-byte reason", "websocket.close", "reason", "123")]
    public async Task Contract_misuse_raises_AsgiProtocolException_to_the_app_and_leaves_the_session_usable(string misuse, params string[] fragments)
    {
        var beforeAccept = misuse == "send before accept";
        var caught = Signal<Exception?>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            if (!beforeAccept)
            {
                await send(new WebSocketAcceptEvent());
            }

            try
            {
                await MisuseAsync(misuse, send);
                caught.TrySetResult(null);
            }
            catch (Exception ex)
            {
                caught.TrySetResult(ex);
            }

            if (beforeAccept)
            {
                await send(WebSocketCloseEvent.Close());
            }
            else
            {
                await send(WebSocketMessageEvent.SendText("still usable"));
            }
        });

        if (beforeAccept)
        {
            var status = WsClient.ConnectRefusedAsync(server);
            AssertProtocolException(await Within.Await(caught.Task, "the app's misuse to complete"), misuse, fragments);
            Assert.Equal(403, await status);
            return;
        }

        using var client = await WsClient.ConnectAsync(server);
        AssertProtocolException(await Within.Await(caught.Task, "the app's misuse to complete"), misuse, fragments);
        var (type, data) = await WsClient.ReceiveAsync(client);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("still usable", Encoding.UTF8.GetString(data));
        var (code, _) = await WsClient.ReceiveCloseAsync(client);
        Assert.Equal(1000, code);
    }

    private static ValueTask MisuseAsync(string misuse, AsgiSend send)
    {
        switch (misuse)
        {
            case "send before accept":
                return send(WebSocketMessageEvent.SendText("too early"));
            case "accept twice":
                return send(new WebSocketAcceptEvent());
            case "send with text and bytes":
                return send(Event("websocket.send", ("text", "a"), ("bytes", new byte[] { 1 })));
            case "typed send with text and bytes":
                var both = WebSocketMessageEvent.SendText("a");
                both["bytes"] = new byte[] { 1 };
                return send(both);
            case "send with neither text nor bytes":
                return send(Event("websocket.send"));
            case "unknown event type":
                return send(Event("websocket.frobnicate"));
            case "http event on a websocket scope":
                return send(new HttpResponseStartEvent(200, []));
            case "close with code 1005":
                return send(Event("websocket.close", ("code", 1005)));
            case "close with code 1006":
                return send(Event("websocket.close", ("code", 1006), ("reason", "abnormal")));
            case "typed close with code 5000":
                return send(WebSocketCloseEvent.Close(5000));
            case "close with a 124-byte reason":
                // 62 two-byte characters: short in chars, one byte too long in UTF-8 (RFC 6455 §5.5: 125 - 2).
                return send(Event("websocket.close", ("code", 1000), ("reason", new string('é', 62))));
            default:
                throw new ArgumentOutOfRangeException(nameof(misuse), misuse, null);
        }
    }

    private static void AssertProtocolException(Exception? exception, string misuse, string[] fragments)
    {
        Assert.True(exception is not null, $"'{misuse}' was accepted silently; expected an AsgiProtocolException.");
        Assert.True(exception is AsgiProtocolException, $"'{misuse}' raised {exception.GetType().Name}: {exception.Message}");
        foreach (var fragment in fragments)
        {
            Assert.True(exception.Message.Contains(fragment, StringComparison.Ordinal), $"'{misuse}': the message \"{exception.Message}\" does not mention '{fragment}'.");
        }
    }

    [Theory]
    [InlineData("dictionary: text, bytes None")]
    [InlineData("dictionary: bytes, text None")]
    [InlineData("typed text event with bytes set to None")]
    public async Task Send_with_the_other_key_None_is_a_valid_message(string shape)
    {
        // ASGI: "Exactly one of bytes or text must be non-None": a key present with None does not count.
        var failure = Signal<Exception?>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            try
            {
                switch (shape)
                {
                    case "dictionary: text, bytes None":
                        await send(Event("websocket.send", ("text", "hello"), ("bytes", null)));
                        break;
                    case "dictionary: bytes, text None":
                        await send(Event("websocket.send", ("bytes", new byte[] { 1, 2, 3 }), ("text", null)));
                        break;
                    default:
                        var typed = WebSocketMessageEvent.SendText("hello");
                        typed["bytes"] = null;
                        await send(typed);
                        break;
                }

                failure.TrySetResult(null);
            }
            catch (Exception ex)
            {
                failure.TrySetResult(ex);
            }
        });

        using var client = await WsClient.ConnectAsync(server);
        var raised = await Within.Await(failure.Task, "the app's send");
        Assert.True(raised is null, $"'{shape}' raised: {raised}");
        var (type, data) = await WsClient.ReceiveAsync(client);
        if (shape == "dictionary: bytes, text None")
        {
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal([1, 2, 3], data);
        }
        else
        {
            Assert.Equal(WebSocketMessageType.Text, type);
            Assert.Equal("hello", Encoding.UTF8.GetString(data));
        }
    }

    [Fact]
    public async Task Close_reason_of_exactly_123_UTF8_bytes_reaches_the_client()
    {
        var reason = new string('é', 61) + "a";
        Assert.Equal(123, Encoding.UTF8.GetByteCount(reason));
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            await send(WebSocketCloseEvent.Close(4002, reason));
            await Events.DrainUntilEndAsync(receive);
        });

        using var client = await WsClient.ConnectAsync(server);
        var (code, received) = await WsClient.ReceiveCloseAsync(client);
        Assert.Equal(4002, code);
        Assert.Equal(reason, received);
    }

    // ------------------------------------------------------------------ 2. close codes both ways

    [Fact]
    public async Task App_close_with_4000_and_reason_reaches_the_client_and_the_client_answer_reaches_the_app()
    {
        var ended = Signal<IDictionary<string, object?>>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            await send(Event("websocket.close", ("code", 4000), ("reason", "bye")));
            ended.TrySetResult(await Events.DrainUntilEndAsync(receive));
        });

        using var client = await WsClient.ConnectAsync(server);
        var (code, reason) = await WsClient.ReceiveCloseAsync(client);
        Assert.Equal(4000, code);
        Assert.Equal("bye", reason);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        Events.AssertDisconnect(await Within.Await(ended.Task, "the app's websocket.disconnect after the client answered"));
    }

    [Fact]
    public async Task Client_close_4001_reaches_the_app_as_disconnect_with_code_and_reason_and_is_echoed()
    {
        var ended = Signal<IDictionary<string, object?>>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            ended.TrySetResult(await Events.DrainUntilEndAsync(receive));
        });

        using var client = await WsClient.ConnectAsync(server);
        using var timeout = new CancellationTokenSource(Within.Default);
        await client.CloseAsync((WebSocketCloseStatus)4001, "later", timeout.Token);
        Assert.Equal(4001, (int?)client.CloseStatus);
        Events.AssertDisconnect(await Within.Await(ended.Task, "the app's websocket.disconnect"), 4001, "later");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Client_dropping_TCP_without_a_close_frame_gives_the_app_disconnect_1006(bool reset)
    {
        var ended = Signal<IDictionary<string, object?>>();
        var accepted = Signal<bool>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            accepted.TrySetResult(true);
            ended.TrySetResult(await Events.DrainUntilEndAsync(receive));
        });

        var socket = await RawUpgrade.ConnectAsync(server);
        await Within.Await(accepted.Task, "the accept");
        if (reset)
        {
            socket.LingerState = new LingerOption(true, 0);
        }

        socket.Dispose();
        Events.AssertDisconnect(await Within.Await(ended.Task, "the app's websocket.disconnect after the drop"), 1006);
    }

    [Fact]
    public async Task App_returning_after_accept_closes_with_1000()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
        });

        using var client = await WsClient.ConnectAsync(server);
        var (code, _) = await WsClient.ReceiveCloseAsync(client);
        Assert.Equal(1000, code);
    }

    [Fact]
    public async Task App_raising_after_accept_closes_with_1011()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            throw new InvalidOperationException("boom after accept");
        });

        using var client = await WsClient.ConnectAsync(server);
        var (code, _) = await WsClient.ReceiveCloseAsync(client);
        Assert.Equal(1011, code);
    }

    [Fact]
    public async Task Close_before_accept_refuses_the_handshake_with_403()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(WebSocketCloseEvent.Close());
        });

        Assert.Equal(403, await WsClient.ConnectRefusedAsync(server));
    }

    [Fact]
    public async Task The_403_refusal_is_uvicorns_empty_answer()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(WebSocketCloseEvent.Close());
        });

        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(RawUpgrade.Request(server.Port));
        var response = await client.ReadResponseAsync();
        Assert.Equal(403, response.Status);
        Assert.Equal("text/plain", response.Header("content-type"));
        Assert.Equal("0", response.Header("content-length"));
        Assert.Equal("close", response.Header("connection"));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task A_close_frame_without_a_code_reaches_the_app_as_1005_and_is_answered_without_a_code()
    {
        var disconnect = Signal<WebSocketCloseEvent>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            disconnect.TrySetResult(Assert.IsType<WebSocketCloseEvent>(await receive()));
        });

        // A browser's close() without arguments sends this frame. ASGI (as uvicorn) reports 1005; RFC 6455 §5.5.1
        // answers with the code received, and §7.4.1 never puts 1005 itself on the wire.
        using var client = await RawWebSocketClient.ConnectAsync(server);
        await client.SendCloseAsync(null);
        var outcome = await client.ReadCloseAsync();
        Assert.True(outcome.CloseReceived && outcome.Code is null, outcome.ToString());
        var close = await Within.Await(disconnect.Task, "the app's websocket.disconnect");
        Assert.Equal(1005, close.Code);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task App_ending_before_answering_the_handshake_gives_500(bool raise)
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            if (raise)
            {
                throw new InvalidOperationException("boom before accept");
            }
        });

        Assert.Equal(500, await WsClient.ConnectRefusedAsync(server));
    }

    [Fact]
    public async Task Http_response_extension_answers_the_handshake_with_the_apps_own_status_headers_and_body()
    {
        var declared = Signal<bool>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            declared.TrySetResult(scope["extensions"] is IDictionary<string, object?> extensions && extensions.ContainsKey("websocket.http.response"));
            Assert.Equal("websocket.connect", Events.Type(await receive()));
            await send(Event(
                "websocket.http.response.start",
                ("status", 418),
                ("headers", new List<object> { new[] { "content-type"u8.ToArray(), "text/plain"u8.ToArray() }, new[] { "x-teapot"u8.ToArray(), "short"u8.ToArray() } })));
            await send(Event("websocket.http.response.body", ("body", "I'm a "u8.ToArray()), ("more_body", true)));
            await send(Event("websocket.http.response.body", ("body", "teapot"u8.ToArray())));
        });

        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(RawUpgrade.Request(server.Port));
        var response = await client.ReadResponseAsync();
        Assert.True(await Within.Await(declared.Task, "the app to see the scope"), "scope['extensions'] does not declare 'websocket.http.response'.");
        Assert.Equal(418, response.Status);
        Assert.Equal("short", response.Header("x-teapot"));
        Assert.Equal("text/plain", response.Header("content-type"));
        Assert.Null(response.Header("sec-websocket-accept"));
        Assert.Equal("I'm a teapot", response.BodyText);
    }

    // ------------------------------------------------------------------ 3. scope

    [Fact]
    public async Task Scope_describes_the_websocket_request()
    {
        var seen = Signal<(Dictionary<string, object?> Snapshot, bool HasMethod)>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            seen.TrySetResult((scope.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), scope.ContainsKey("method")));
            await receive();
            await send(new WebSocketAcceptEvent("v1.chat"));
            await Events.DrainUntilEndAsync(receive);
        });

        using var client = await WsClient.ConnectAsync(server, "/rooms/caf%C3%A9?x=1&y=a%20b", options =>
        {
            options.AddSubProtocol("v2.chat");
            options.AddSubProtocol("v1.chat");
            options.SetRequestHeader("X-Trace-Id", "abc-123");
        });
        var (scope, hasMethod) = await Within.Await(seen.Task, "the app to be called");
        Assert.Equal("v1.chat", client.SubProtocol);

        Assert.Equal("websocket", scope["type"]);
        Assert.Equal("ws", scope["scheme"]);
        Assert.Equal("1.1", scope["http_version"]);
        Assert.Equal("/rooms/café", scope["path"]);
        Assert.Equal("/rooms/caf%C3%A9", Encoding.Latin1.GetString(Assert.IsType<ReadOnlyMemory<byte>>(scope["raw_path"]).Span));
        Assert.Equal("x=1&y=a%20b", Encoding.Latin1.GetString(Assert.IsType<ReadOnlyMemory<byte>>(scope["query_string"]).Span));
        Assert.Equal(["v2.chat", "v1.chat"], Assert.IsAssignableFrom<IReadOnlyList<string>>(scope["subprotocols"]));
        var headers = Assert.IsAssignableFrom<IReadOnlyList<AsgiHeader>>(scope["headers"]).Select(h => (h.NameString, h.ValueString)).ToList();
        Assert.Contains(("x-trace-id", "abc-123"), headers);
        Assert.Contains(("host", $"127.0.0.1:{server.Port}"), headers);
        Assert.Contains(headers, h => h.NameString == "sec-websocket-protocol");
        Assert.False(hasMethod, "A websocket scope must not have a 'method' key.");
        Assert.DoesNotContain("method", scope.Keys);
        var extensions = Assert.IsAssignableFrom<IDictionary<string, object?>>(scope["extensions"]);
        Assert.True(extensions.ContainsKey("websocket.http.response"));
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    // ------------------------------------------------------------------ 4. keep-alive pings

    private static void FastPings(AsgiServerOptions options)
    {
        options.WsPingInterval = TimeSpan.FromMilliseconds(500);
        options.WsPingTimeout = TimeSpan.FromMilliseconds(500);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Client_that_never_answers_pings_is_disconnected_and_the_app_told(bool readsFrames)
    {
        var ended = Signal<IDictionary<string, object?>>();
        await using var server = await TestServer.StartAsync(
            async (scope, receive, send) =>
            {
                await receive();
                await send(new WebSocketAcceptEvent());
                ended.TrySetResult(await Events.DrainUntilEndAsync(receive));
            },
            FastPings);

        using var client = await RawWebSocketClient.ConnectAsync(server);
        var clock = Stopwatch.StartNew();
        if (!readsFrames)
        {
            // The client reads nothing at all: the app must still be told within a few seconds.
            Events.AssertDisconnect(await Within.Await(ended.Task, "the app's websocket.disconnect after the ping timeout (client never reads)"));
            output.WriteLine($"app told after {clock.Elapsed.TotalSeconds:F1} s");
        }

        var pings = 0;
        var connectionEnded = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            WsFrame? frame;
            try
            {
                // Read (to see the end) but never answer: no pong ever goes back.
                frame = await client.ReadFrameAsync(TimeSpan.FromSeconds(10) - clock.Elapsed);
            }
            catch (TimeoutException)
            {
                break;
            }

            if (frame is null)
            {
                connectionEnded = true;
                break;
            }

            if (frame.Opcode == Op.Ping)
            {
                pings++;
            }
        }

        output.WriteLine($"{pings} pings; connection ended={connectionEnded} after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(pings >= 1, "The server never sent a keep-alive ping.");
        Assert.True(connectionEnded, $"The server kept a connection that answered none of its {pings} pings open for {clock.Elapsed.TotalSeconds:F1} s.");
        Events.AssertDisconnect(await Within.Await(ended.Task, "the app's websocket.disconnect after the ping timeout"));
    }

    [Fact]
    public async Task Client_that_answers_pings_stays_connected()
    {
        var ended = Signal<IDictionary<string, object?>>();
        await using var server = await TestServer.StartAsync(
            async (scope, receive, send) =>
            {
                await receive();
                await send(new WebSocketAcceptEvent());
                while (true)
                {
                    var message = await receive();
                    if (message is not WebSocketMessageEvent { Text: { } text })
                    {
                        ended.TrySetResult(message);
                        return;
                    }

                    await send(WebSocketMessageEvent.SendText(text));
                }
            },
            FastPings);

        using var client = await WsClient.ConnectAsync(server, configure: options => options.KeepAliveInterval = TimeSpan.Zero);

        // A pending receive is what makes ClientWebSocket answer the server's pings.
        var buffer = new byte[1024];
        var pending = client.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask();
        await Task.Delay(TimeSpan.FromSeconds(3)); // measuring: six ping intervals must pass without a disconnect
        Assert.False(pending.IsCompleted, $"The pending receive completed (close {client.CloseStatus}) while pings were being answered.");
        Assert.Equal(WebSocketState.Open, client.State);
        Assert.False(ended.Task.IsCompleted, "The app was told the client disconnected.");

        await client.SendAsync("still here"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var result = await Within.Await(pending, "the echo after 3 s of pings");
        Assert.Equal("still here", Encoding.UTF8.GetString(buffer, 0, result.Count));
        using var timeout = new CancellationTokenSource(Within.Default);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        Events.AssertDisconnect(await Within.Await(ended.Task, "the app's websocket.disconnect"), 1000);
    }

    // ------------------------------------------------------------------ 5. message size limit

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Message_at_WsMaxSize_is_echoed_and_one_byte_more_closes_with_1009(bool fragmented)
    {
        var ended = Signal<IDictionary<string, object?>>();
        await using var server = await TestServer.StartAsync(
            async (scope, receive, send) =>
            {
                await receive();
                await send(new WebSocketAcceptEvent());
                while (true)
                {
                    var message = await receive();
                    if (message is not WebSocketMessageEvent { Bytes: { } bytes })
                    {
                        ended.TrySetResult(message);
                        return;
                    }

                    await send(WebSocketMessageEvent.SendBytes(bytes));
                }
            },
            options => options.WsMaxSize = 1000);

        using var client = await WsClient.ConnectAsync(server, configure: options => options.DangerousDeflateOptions = null);
        async Task SendAsync(byte[] payload)
        {
            if (fragmented)
            {
                await client.SendAsync(payload.AsMemory(0, 500), WebSocketMessageType.Binary, false, CancellationToken.None);
                await client.SendAsync(payload.AsMemory(500), WebSocketMessageType.Binary, true, CancellationToken.None);
            }
            else
            {
                await client.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }

        var atLimit = WsAssert.Payload(1000);
        await SendAsync(atLimit);
        var (type, data) = await WsClient.ReceiveAsync(client);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(atLimit, data);

        await SendAsync(WsAssert.Payload(1001));
        var (code, _) = await WsClient.ReceiveCloseAsync(client);
        Assert.Equal(1009, code);
        Events.AssertDisconnect(await Within.Await(ended.Task, "the app's websocket.disconnect"), 1009);
    }

    // ------------------------------------------------------------------ 6. backpressure

    [Fact]
    public async Task App_send_blocks_when_the_client_does_not_read_and_fails_when_the_client_goes()
    {
        const int MessageSize = 64 * 1024;
        const long Cap = 200L * 1024 * 1024 / MessageSize; // far beyond any socket buffer: reaching it means unbounded buffering
        long sent = 0;
        var loopEnded = Signal<Exception?>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            var payload = new byte[MessageSize];
            try
            {
                while (Interlocked.Read(ref sent) < Cap)
                {
                    await send(WebSocketMessageEvent.SendBytes(payload));
                    Interlocked.Increment(ref sent);
                }

                loopEnded.TrySetResult(null);
            }
            catch (Exception ex)
            {
                loopEnded.TrySetResult(ex);
            }
        });

        var socket = await RawUpgrade.ConnectAsync(server); // and never read from it

        // Wait until the count has stopped moving for a whole second (or give up after 15 s).
        var clock = Stopwatch.StartNew();
        long last = -1;
        var lastChange = TimeSpan.Zero;
        var stalled = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(15) && !loopEnded.Task.IsCompleted)
        {
            var now = Interlocked.Read(ref sent);
            if (now != last)
            {
                last = now;
                lastChange = clock.Elapsed;
            }
            else if (clock.Elapsed - lastChange >= TimeSpan.FromSeconds(1))
            {
                stalled = true;
                break;
            }

            await Task.Delay(100);
        }

        var mib = last * MessageSize / (1024.0 * 1024);
        if (loopEnded.Task.IsCompleted)
        {
            var early = await loopEnded.Task;
            Assert.Fail(early is null
                ? $"The app sent {Cap} messages ({Cap * MessageSize / (1024 * 1024)} MiB) to a client that reads nothing: the server buffers without bound."
                : $"The app's send loop ended while the client was still connected: {early}");
        }

        output.WriteLine($"sends stalled={stalled} at {last} messages ({mib:F1} MiB) after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(stalled, $"The app's sends never blocked: {last} messages ({mib:F0} MiB) after {clock.Elapsed.TotalSeconds:F1} s.");
        Assert.True(mib < 100, $"The send blocked only after {mib:F0} MiB.");
        Assert.True(last > 0, "Not even one message was sent.");

        // The client goes away: the blocked send must resume with ClientDisconnectedException, not hang.
        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
        var failure = await Within.Await(loopEnded.Task, "the blocked send to resume after the client left");
        Assert.True(failure is ClientDisconnectedException, $"Expected ClientDisconnectedException from the blocked send, got {failure?.GetType().Name ?? "a normal end"}: {failure}");
    }

    [Fact]
    public async Task Server_reads_a_flooding_client_only_as_fast_as_the_app_receives()
    {
        const int MessageSize = 64 * 1024;
        const long Flood = 50L * 1024 * 1024;
        long received = 0;
        var ended = Signal<IDictionary<string, object?>>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            while (true)
            {
                var message = await receive();
                if (Events.Type(message) != "websocket.receive")
                {
                    ended.TrySetResult(message);
                    return;
                }

                Interlocked.Increment(ref received);
                await Task.Delay(50); // a slow consumer: at most ~20 messages (1.3 MiB) a second
            }
        });

        var socket = await RawUpgrade.ConnectAsync(server);
        var frame = RawUpgrade.MaskedFrame(Op.Binary, WsAssert.Payload(MessageSize));
        long written = 0;
        using (var flood = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            try
            {
                while (written < Flood)
                {
                    written += await socket.SendAsync(frame, SocketFlags.None, flood.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The send blocked until the deadline: what we measure.
            }
        }

        var appGot = Interlocked.Read(ref received);
        output.WriteLine($"client wrote {written / (1024.0 * 1024):F1} MiB in 2 s; the app received {appGot} messages");
        Assert.True(written < Flood, $"All {Flood / (1024 * 1024)} MiB were written in 2 s while the app received only {appGot} messages: the server does not push back.");
        Assert.True(appGot > 0, "The app received nothing.");
        Assert.True(appGot * MessageSize <= written, $"The app received {appGot} messages but only {written} bytes were written.");

        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
        Events.AssertDisconnect(await Within.Await(ended.Task, "the app's websocket.disconnect after the flooding client left", TimeSpan.FromSeconds(20)));
    }

    // ------------------------------------------------------------------ 7. concurrent sends

    [Fact]
    public async Task A_client_that_stops_reading_is_cut_off_after_the_send_timeout_and_the_app_send_raises()
    {
        var outcome = Signal<Exception?>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            try
            {
                var message = new byte[1024 * 1024];
                for (var i = 0; i < 512; i++)
                {
                    await send(WebSocketMessageEvent.SendBytes(message));
                }

                outcome.TrySetResult(null);
            }
            catch (Exception ex)
            {
                outcome.TrySetResult(ex);
            }
        }, o =>
        {
            o.TimeoutSend = TimeSpan.FromSeconds(1);
            o.WsPingInterval = TimeSpan.FromMinutes(10);
        });

        // The client completes the handshake and then never reads a frame.
        using var socket = await RawUpgrade.ConnectAsync(server);
        var exception = await Within.Await(outcome.Task, "the app's send to fail", TimeSpan.FromSeconds(30));
        Assert.IsType<ClientDisconnectedException>(exception);
        Assert.Contains(server.Logs.Entries, e => e.Message.Contains("Asgi:TimeoutSend", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_sends_from_many_tasks_arrive_as_whole_messages_in_per_task_order()
    {
        const int Tasks = 8;
        const int PerTask = 200;
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < PerTask; i++)
                {
                    var body = Encoding.ASCII.GetBytes(MessageFor(t, i));
                    await send(i % 2 == 0 ? WebSocketMessageEvent.SendText(Encoding.ASCII.GetString(body)) : WebSocketMessageEvent.SendBytes(body));
                }
            })));
        });

        using var client = await WsClient.ConnectAsync(server, configure: options => options.DangerousDeflateOptions = null);
        var next = new int[Tasks];
        for (var n = 0; n < Tasks * PerTask; n++)
        {
            var (type, data) = await WsClient.ReceiveAsync(client);
            Assert.True(type != WebSocketMessageType.Close, $"The server closed with {client.CloseStatus} '{client.CloseStatusDescription}' after {n} messages.");
            var text = Encoding.ASCII.GetString(data);
            var parts = text.Split(':', 3);
            Assert.True(parts.Length == 3, $"Message {n} is not whole: '{text[..Math.Min(40, text.Length)]}'");
            var t = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            var i = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(next[t] == i, $"Task {t}: expected message {next[t]}, got {i}.");
            Assert.Equal(i % 2 == 0 ? WebSocketMessageType.Text : WebSocketMessageType.Binary, type);
            Assert.True(text == MessageFor(t, i), $"Message {t}:{i} arrived with {data.Length} bytes, corrupted.");
            next[t]++;
        }

        var (code, _) = await WsClient.ReceiveCloseAsync(client);
        Assert.Equal(1000, code);
    }

    private static string MessageFor(int task, int index)
    {
        // Sizes from a few bytes to 16 KB, and every 50th over 64 KiB (the 64-bit length form).
        var size = index % 50 == 25 ? 70_000 : (task * 131 + index * 977) % 16_000;
        return $"{task}:{index}:" + new string((char)('a' + ((task * 7 + index) % 26)), size);
    }
}
