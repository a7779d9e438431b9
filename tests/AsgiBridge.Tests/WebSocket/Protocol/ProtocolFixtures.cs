using System.Collections.Concurrent;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>One live host running <see cref="EchoApp.App"/> with default options, shared by a test class.</summary>
public class EchoServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    /// <summary>The paths of every websocket scope the app was called with.</summary>
    public ConcurrentBag<string> WebSocketPaths { get; } = [];

    protected virtual void Configure(AsgiServerOptions options)
    {
    }

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(
        async (scope, receive, send) =>
        {
            if (scope.Type == "websocket")
            {
                WebSocketPaths.Add(scope.Path);
            }

            await EchoApp.App(scope, receive, send);
        },
        Configure);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public Task<RawWebSocketClient> ConnectAsync(string? extensions = null, params string[] subprotocols) =>
        RawWebSocketClient.ConnectAsync(Server, "/ws", extensions, subprotocols);
}

/// <summary>The echo host with <c>WsMaxSize</c> = 1024 bytes.</summary>
public sealed class SmallMessageLimitFixture : EchoServerFixture
{
    public const int Limit = 1024;

    protected override void Configure(AsgiServerOptions options) => options.WsMaxSize = Limit;
}

/// <summary>Assertions shared by the protocol tests.</summary>
public static class WsAssert
{
    /// <summary>How long a failure case waits for the server's close frame and FIN (a conformant server needs milliseconds).</summary>
    public static readonly TimeSpan FailureTimeout = TimeSpan.FromSeconds(4);

    /// <summary>
    /// The server failed the connection (RFC 6455 §7.1.7): a close frame with exactly <paramref name="code"/> arrived,
    /// and then the TCP connection ended with a FIN (not a reset, not left open).
    /// </summary>
    public static async Task<CloseOutcome> FailsWithAsync(RawWebSocketClient client, int code, TimeSpan? timeout = null)
    {
        var outcome = await client.ReadCloseAsync(timeout ?? FailureTimeout);
        Assert.True(outcome.CloseReceived, $"Expected a close frame with {code} before the connection ended; got {outcome}");
        Assert.True(code == outcome.Code, $"Expected close code {code}; got {outcome}");
        Assert.True(outcome.End == ConnectionEnd.Eof, $"Expected the server to close TCP cleanly after its close frame; got {outcome}");
        return outcome;
    }

    /// <summary>A clean close handshake: the server answers our close with <paramref name="code"/> (null: empty or 1000) and closes TCP.</summary>
    public static async Task<CloseOutcome> ClosesCleanlyAsync(RawWebSocketClient client, int? code, TimeSpan? timeout = null)
    {
        var outcome = await client.ReadCloseAsync(timeout);
        Assert.True(outcome.CloseReceived, $"Expected a close frame; got {outcome}");
        if (code is null)
        {
            Assert.True(outcome.Code is null or 1000, $"Expected an empty close or 1000; got {outcome}");
        }
        else
        {
            Assert.True(code == outcome.Code, $"Expected close code {code}; got {outcome}");
        }

        Assert.True(outcome.End == ConnectionEnd.Eof, $"Expected the server to close TCP cleanly; got {outcome}");
        return outcome;
    }

    /// <summary>The next message is an echo of what was sent.</summary>
    public static async Task EchoesAsync(RawWebSocketClient client, byte opcode, byte[] data, TimeSpan? timeout = null)
    {
        var message = await client.ReadMessageAsync(timeout);
        Assert.True(message.Opcode == opcode, $"Expected opcode {opcode}, got {message} (close payload: {Convert.ToHexString(message.Opcode == Op.Close ? message.Data : [])})");
        Assert.Equal(data.Length, message.Data.Length);
        Assert.True(data.AsSpan().SequenceEqual(message.Data), "The echoed payload differs from what was sent");
    }

    public static byte[] Payload(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed + length).NextBytes(data);
        return data;
    }

    /// <summary>Valid UTF-8 of exactly <paramref name="length"/> bytes.</summary>
    public static byte[] TextPayload(int length)
    {
        var data = new byte[length];
        const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)Alphabet[(i * 7 + (i >> 5)) % Alphabet.Length];
        }

        return data;
    }
}
