using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.WebSocket.Session;

/// <summary>Awaiting with a deadline: a test that waits on the server never hangs, and says what it waited for.</summary>
internal static class Within
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);

    public static async Task<T> Await<T>(Task<T> task, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Default;
        var finished = await Task.WhenAny(task, Task.Delay(limit));
        Assert.True(finished == task, $"Timed out after {limit.TotalSeconds:F1} s waiting for {what}.");
        return await task;
    }

    public static async Task Await(Task task, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Default;
        var finished = await Task.WhenAny(task, Task.Delay(limit));
        Assert.True(finished == task, $"Timed out after {limit.TotalSeconds:F1} s waiting for {what}.");
        await task;
    }
}

/// <summary>The ClientWebSocket side of the session tests.</summary>
internal static class WsClient
{
    public static Uri Uri(TestServer server, string pathAndQuery = "/ws") => new($"ws://127.0.0.1:{server.Port}{pathAndQuery}");

    public static async Task<ClientWebSocket> ConnectAsync(TestServer server, string pathAndQuery = "/ws", Action<ClientWebSocketOptions>? configure = null)
    {
        var client = new ClientWebSocket();
        configure?.Invoke(client.Options);
        using var timeout = new CancellationTokenSource(Within.Default);
        await client.ConnectAsync(Uri(server, pathAndQuery), timeout.Token);
        return client;
    }

    /// <summary>Connects expecting the handshake to be refused; returns the HTTP status the server answered.</summary>
    public static async Task<int> ConnectRefusedAsync(TestServer server, string pathAndQuery = "/ws")
    {
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(Within.Default);
        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(Uri(server, pathAndQuery), timeout.Token));
        Assert.False(timeout.IsCancellationRequested, "The handshake was not answered in time.");
        return (int)client.HttpStatusCode;
    }

    /// <summary>The next whole message, or the close (Type == Close, with the socket's CloseStatus set).</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(ClientWebSocket client, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Within.Default);
        var data = new List<byte>();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await client.ReceiveAsync(buffer, cts.Token);
                data.AddRange(buffer.AsSpan(0, result.Count));
                if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
                {
                    return (result.MessageType, [.. data]);
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"No complete message within {(timeout ?? Within.Default).TotalSeconds:F1} s.");
            throw;
        }
    }

    /// <summary>Reads until the server's close frame and returns its code and reason.</summary>
    public static async Task<(int? Code, string? Reason)> ReceiveCloseAsync(ClientWebSocket client, TimeSpan? timeout = null)
    {
        var (type, data) = await ReceiveAsync(client, timeout);
        Assert.True(type == WebSocketMessageType.Close, $"Expected the server's close frame, got a {type} message of {data.Length} bytes.");
        return ((int?)client.CloseStatus, client.CloseStatusDescription);
    }
}

/// <summary>A WebSocket over a bare socket: the upgrade, and masked client frames built by hand, for tests that must control every write.</summary>
internal static class RawUpgrade
{
    public static byte[] Request(int port, string path = "/ws") => Encoding.ASCII.GetBytes(
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    /// <summary>Connects and reads the 101 head byte by byte (so no frame byte after it is consumed); returns the open socket.</summary>
    public static async Task<Socket> ConnectAsync(TestServer server, string path = "/ws")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.EndPoint);
        await socket.SendAsync(Request(server.Port, path), SocketFlags.None);
        using var timeout = new CancellationTokenSource(Within.Default);
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !head.AsEnumerable().Reverse().Take(4).SequenceEqual("\n\r\n\r"u8.ToArray()))
        {
            var read = await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token);
            Assert.True(read == 1, $"The connection ended during the handshake: {Encoding.Latin1.GetString([.. head])}");
            head.Add(one[0]);
        }

        var text = Encoding.Latin1.GetString([.. head]);
        Assert.StartsWith("HTTP/1.1 101 ", text, StringComparison.Ordinal);
        return socket;
    }

    /// <summary>One masked, final client frame (RFC 6455 §5.2).</summary>
    public static byte[] MaskedFrame(byte opcode, ReadOnlySpan<byte> payload)
    {
        var header = payload.Length switch
        {
            <= 125 => 2,
            <= 65535 => 4,
            _ => 10,
        };
        var frame = new byte[header + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (header == 2)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else if (header == 4)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        byte[] mask = [0x37, 0xFA, 0x21, 0x3D];
        mask.CopyTo(frame, header);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[header + 4 + i] = (byte)(payload[i] ^ mask[i & 3]);
        }

        return frame;
    }
}

/// <summary>Reading the events an app received, through the dictionary keys only (as ported Python code would).</summary>
internal static class Events
{
    public static string? Type(IDictionary<string, object?> message) => message.TryGetValue("type", out var type) ? type as string : null;

    public static void AssertDisconnect(IDictionary<string, object?> message, int? code = null, string? reason = null)
    {
        Assert.Equal("websocket.disconnect", Type(message));
        if (code is not null)
        {
            Assert.Equal(code, message["code"]);
        }

        if (reason is not null)
        {
            Assert.Equal(reason, message["reason"]);
        }
    }

    /// <summary>Receives until something other than websocket.receive arrives, and returns it.</summary>
    public static async Task<IDictionary<string, object?>> DrainUntilEndAsync(AsgiReceive receive)
    {
        while (true)
        {
            var message = await receive();
            if (Type(message) != "websocket.receive")
            {
                return message;
            }
        }
    }
}
