using System.Net.WebSockets;
using System.Text;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.WebSocket;

public sealed class WebSocketEchoTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(DemoApp.App);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri WsUri(string path) => new($"ws://127.0.0.1:{_server.Port}{path}");

    private async Task<ClientWebSocket> ConnectAsync(string path = "/ws", bool deflate = false, params string[] subprotocols)
    {
        var client = new ClientWebSocket();
        foreach (var protocol in subprotocols)
        {
            client.Options.AddSubProtocol(protocol);
        }

        if (deflate)
        {
            client.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        }

        await client.ConnectAsync(WsUri(path), CancellationToken.None);
        return client;
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(ClientWebSocket client)
    {
        var data = new List<byte>();
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var result = await client.ReceiveAsync(buffer, timeout.Token);
            data.AddRange(buffer.AsSpan(0, result.Count));
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, [.. data]);
            }
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(125, false)]
    [InlineData(126, false)]
    [InlineData(65535, false)]
    [InlineData(65536, false)]
    [InlineData(3 * 1024 * 1024, false)]
    [InlineData(0, true)]
    [InlineData(65536, true)]
    [InlineData(3 * 1024 * 1024, true)]
    public async Task Binary_messages_of_every_length_class_are_echoed(int length, bool deflate)
    {
        using var client = await ConnectAsync(deflate: deflate);
        var payload = new byte[length];
        new Random(length).NextBytes(payload);
        await client.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        var (type, data) = await ReceiveMessageAsync(client);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(payload, data);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
    }

    [Fact]
    public async Task Text_messages_are_echoed_as_text()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(Encoding.UTF8.GetBytes("héllo ✓"), WebSocketMessageType.Text, true, CancellationToken.None);
        var (type, data) = await ReceiveMessageAsync(client);
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("héllo ✓", Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task Fragmented_messages_are_assembled_before_the_app_sees_them()
    {
        using var client = await ConnectAsync();
        await client.SendAsync("frag"u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
        await client.SendAsync("ment"u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
        await client.SendAsync("ed"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var (_, data) = await ReceiveMessageAsync(client);
        Assert.Equal("fragmented", Encoding.UTF8.GetString(data));
    }

    [Fact]
    public async Task Compression_is_negotiated_when_offered()
    {
        using var client = await ConnectAsync(deflate: true);
        Assert.Contains("permessage-deflate", client.HttpResponseHeaders?["Sec-WebSocket-Extensions"].FirstOrDefault() ?? "permessage-deflate", StringComparison.Ordinal);
        var text = string.Concat(Enumerable.Repeat("compressible ", 1000));
        await client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(text, Encoding.UTF8.GetString((await ReceiveMessageAsync(client)).Data));
    }

    [Fact]
    public async Task The_first_offered_subprotocol_is_accepted()
    {
        using var client = await ConnectAsync("/ws", false, "chat.v2", "chat.v1");
        Assert.Equal("chat.v2", client.SubProtocol);
    }

    [Fact]
    public async Task Unknown_websocket_path_is_refused_with_403()
    {
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(WsUri("/nope"), CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, client.HttpStatusCode);
    }

    [Fact]
    public async Task Chat_broadcasts_every_message_to_every_member()
    {
        using var alice = await ConnectAsync("/chat");
        using var bob = await ConnectAsync("/chat");
        await Task.Delay(100); // both joined
        // The room is shared by everything in this process (the browser test chats too): skip others' messages.
        var text = $"hi bob {Guid.NewGuid():N}";
        await alice.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(text, await ReceiveTextAsync(bob, text));
        Assert.Equal(text, await ReceiveTextAsync(alice, text));
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket client, string wanted)
    {
        while (true)
        {
            var text = Encoding.UTF8.GetString((await ReceiveMessageAsync(client)).Data);
            if (text == wanted)
            {
                return text;
            }
        }
    }
}
