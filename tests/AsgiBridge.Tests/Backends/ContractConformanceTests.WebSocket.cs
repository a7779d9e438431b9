using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace AsgiBridge.Tests.Backends;

/// <summary><c>websocket</c> scopes (docs/contract.md, "WebSocket"; docs/websocket.md).</summary>
public abstract partial class ContractConformanceTests
{
    /// <summary>Accepts (with the first offered subprotocol), then echoes every message until the client closes.</summary>
    private static async ValueTask EchoSessionAsync(AsgiScope scope, AsgiReceive receive, AsgiSend send, TaskCompletionSource<WebSocketCloseEvent>? disconnected = null)
    {
        Assert.IsType<WebSocketConnectEvent>(await receive());
        await send(new WebSocketAcceptEvent(scope.Subprotocols is { Count: > 0 } offered ? offered[^1] : null));
        while (true)
        {
            switch (await receive())
            {
                case WebSocketMessageEvent message:
                    await send(message.Text is { } text ? WebSocketMessageEvent.SendText(text) : WebSocketMessageEvent.SendBytes(message.Bytes!.Value));
                    break;
                case WebSocketCloseEvent close:
                    disconnected?.TrySetResult(close);
                    return;
            }
        }
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(System.Net.WebSockets.WebSocket socket)
    {
        var buffer = new byte[1024];
        var data = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(s_wait);
            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, data.ToArray());
            }
        }
    }

    [Fact]
    public async Task A_websocket_session_echoes_text_and_bytes_and_the_clients_close_code_reaches_the_app()
    {
        var disconnected = Signal<WebSocketCloseEvent>();
        var path = Backend.Route((scope, receive, send) => EchoSessionAsync(scope, receive, send, disconnected));

        using var socket = await Backend.ConnectWebSocketAsync(path);
        await socket.SendAsync("hello ✓"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var text = await ReceiveMessageAsync(socket);
        Assert.Equal(WebSocketMessageType.Text, text.Type);
        Assert.Equal("hello ✓", Encoding.UTF8.GetString(text.Data));

        await socket.SendAsync(new byte[] { 0, 1, 2, 255 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        var bytes = await ReceiveMessageAsync(socket);
        Assert.Equal(WebSocketMessageType.Binary, bytes.Type);
        Assert.Equal([0, 1, 2, 255], bytes.Data);

        await socket.CloseAsync((WebSocketCloseStatus)4002, "client done", CancellationToken.None).WaitAsync(s_wait);
        var close = await disconnected.Task.WaitAsync(s_wait);
        Assert.Equal(WebSocketCloseEvent.DisconnectType, close.Type);
        Assert.Equal(4002, close.Code);
    }

    [Fact]
    public async Task The_websocket_scope_has_the_contract_keys_and_declares_its_backends_extensions()
    {
        var seen = Signal<AsgiScope>();
        var path = Backend.Route((scope, receive, send) =>
        {
            seen.TrySetResult(scope);
            return EchoSessionAsync(scope, receive, send);
        });

        using (var socket = await Backend.ConnectWebSocketAsync(path + "/a%20b?room=1", "one", "two"))
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(s_wait);
        }

        var scope = await seen.Task.WaitAsync(s_wait);
        Assert.Equal("websocket", scope["type"]);
        Assert.Equal(Backend.WebSocketScheme, scope["scheme"]);
        Assert.Equal(Backend.HttpVersion, scope["http_version"]);
        Assert.False(scope.ContainsKey("method"));
        Assert.Equal(path + "/a b", scope.Path);
        Assert.Equal(path + "/a%20b", Latin1(scope.RawPath));
        Assert.Equal("room=1", Latin1(scope.QueryString));
        Assert.Equal(["one", "two"], scope.Subprotocols!);
        Assert.Equal(Backend.WebSocketExtensions, scope.Extensions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(AsgiBackend.LifespanMarker, scope.State!["marker"]);
        var headers = scope.Headers.Select(h => h.NameString).ToList();
        Assert.DoesNotContain(headers, h => h.StartsWith(':'));
        Assert.All(headers, h => Assert.Equal(h.ToLowerInvariant(), h));
        Assert.Contains("host", headers);
    }

    [Fact]
    public async Task The_subprotocol_the_app_accepts_is_the_sessions()
    {
        var path = Backend.Route((scope, receive, send) => EchoSessionAsync(scope, receive, send));

        using var socket = await Backend.ConnectWebSocketAsync(path, "first", "second");
        Assert.Equal("second", socket.SubProtocol);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(s_wait);
    }

    [Fact]
    public async Task The_apps_close_code_and_reason_reach_the_client()
    {
        var path = Backend.Route(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            await send(WebSocketCloseEvent.Close(4001, "app says bye"));
            await receive(); // the client's answering close
        });

        using var socket = await Backend.ConnectWebSocketAsync(path);
        var result = await socket.ReceiveAsync(new byte[16], CancellationToken.None).WaitAsync(s_wait);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal((WebSocketCloseStatus)4001, result.CloseStatus);
        Assert.Equal("app says bye", result.CloseStatusDescription);
    }

    [Theory]
    [InlineData(false, WebSocketCloseStatus.NormalClosure)]
    [InlineData(true, WebSocketCloseStatus.InternalServerError)]
    public async Task An_app_that_ends_after_accept_closes_with_1000_or_with_1011_when_it_raised(bool raise, WebSocketCloseStatus expected)
    {
        var path = Backend.Route(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            if (raise)
            {
                throw new InvalidOperationException("app failed in the session");
            }
        });

        using var socket = await Backend.ConnectWebSocketAsync(path);
        var result = await socket.ReceiveAsync(new byte[16], CancellationToken.None).WaitAsync(s_wait);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(expected, result.CloseStatus);
    }

    [Fact]
    public async Task Close_before_accept_refuses_the_handshake_with_403_and_a_send_before_accept_raises()
    {
        var sendBeforeAccept = Signal<Exception?>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            await receive();
            sendBeforeAccept.TrySetResult(await Record.ExceptionAsync(async () => await send(WebSocketMessageEvent.SendText("too early"))));
            await send(WebSocketCloseEvent.Close(4000, "not you"));
        });

        var refused = await Assert.ThrowsAsync<WebSocketRefusedException>(() => Backend.ConnectWebSocketAsync(path));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.IsType<AsgiProtocolException>(await sendBeforeAccept.Task.WaitAsync(s_wait));
    }

    [Fact]
    public async Task A_receive_started_before_accept_gets_the_first_message_after_it()
    {
        // Quart reads in a task of its own: its second receive() is pending before its handler sends the accept.
        var path = Backend.Route(async (scope, receive, send) =>
        {
            Assert.IsType<WebSocketConnectEvent>(await receive());
            var early = receive().AsTask();
            await Task.Delay(50);
            Assert.False(early.IsCompleted);
            await send(new WebSocketAcceptEvent());
            var message = Assert.IsType<WebSocketMessageEvent>(await early.WaitAsync(s_wait));
            await send(WebSocketMessageEvent.SendText("early: " + message.Text));
            await send(WebSocketCloseEvent.Close(1000));
        });

        using var socket = await Backend.ConnectWebSocketAsync(path);
        await socket.SendAsync("hi"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var reply = await ReceiveMessageAsync(socket);
        Assert.Equal("early: hi", Encoding.UTF8.GetString(reply.Data));
    }

    [Fact]
    public async Task A_send_after_the_client_closed_raises_ClientDisconnectedException()
    {
        var afterClose = Signal<Exception?>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            await receive();
            await send(new WebSocketAcceptEvent());
            Assert.IsType<WebSocketCloseEvent>(await receive());
            afterClose.TrySetResult(await Record.ExceptionAsync(async () => await send(WebSocketMessageEvent.SendText("too late"))));
        });

        using var socket = await Backend.ConnectWebSocketAsync(path);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(s_wait);
        Assert.IsType<ClientDisconnectedException>(await afterClose.Task.WaitAsync(s_wait));
    }

    [Fact]
    public async Task An_app_that_returns_without_answering_the_handshake_gets_500()
    {
        var path = Backend.Route(async (scope, receive, send) => await receive());

        var refused = await Assert.ThrowsAsync<WebSocketRefusedException>(() => Backend.ConnectWebSocketAsync(path));
        Assert.Equal(HttpStatusCode.InternalServerError, refused.Status);
    }

    [Fact]
    public async Task A_websocket_http_response_answers_the_handshake_with_the_apps_status_and_body()
    {
        var path = Backend.Route(async (scope, receive, send) =>
        {
            Assert.True(scope.Extensions.ContainsKey("websocket.http.response"));
            await receive();
            await send(new Dictionary<string, object?>
            {
                ["type"] = "websocket.http.response.start",
                ["status"] = 401,
                ["headers"] = new[] { new[] { "content-type", "text/plain" } },
            });
            await send(new Dictionary<string, object?> { ["type"] = "websocket.http.response.body", ["body"] = "login first"u8.ToArray() });
        });

        var refused = await Assert.ThrowsAsync<WebSocketRefusedException>(() => Backend.ConnectWebSocketAsync(path));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        if (Backend.HandshakeAnswerBodyVisible)
        {
            var (status, body) = await Backend.SendHandshakeForAnswerAsync(path).WaitAsync(s_wait);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("login first", body);
        }
    }
}
