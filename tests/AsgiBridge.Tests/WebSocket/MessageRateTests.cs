using System.Text;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;
using AsgiBridge.Tests.WebSocket.Protocol;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AsgiBridge.Tests.WebSocket;

/// <summary>Asgi:MinRequestBodyDataRate applied to a WebSocket message once it has begun (judged on the 1 s heartbeat).</summary>
public sealed class MessageRateTests
{
    private static readonly MinDataRate s_testRate = new(100, TimeSpan.FromSeconds(2));

    private static Task<TestServer> StartEchoAsync() =>
        TestServer.StartAsync((scope, receive, send) => WebSocketEcho.RunAsync(scope, receive, send), o => o.MinRequestBodyDataRate = s_testRate);

    [Fact]
    public async Task A_message_trickled_in_below_the_minimum_rate_ends_the_connection()
    {
        await using var server = await StartEchoAsync();
        using var client = await RawWebSocketClient.ConnectAsync(server);
        await client.SendFrameAsync(Op.Text, "begin"u8, fin: false);
        var sending = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 200; i++)
                {
                    await client.SendFrameAsync(Op.Continuation, "x"u8, fin: false); // ~7 bytes per 200 ms with the frame header
                    await Task.Delay(200);
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
            {
            }
        });

        var outcome = await client.ReadCloseAsync(TimeSpan.FromSeconds(20), answerAndHalfClose: false);
        Assert.Empty(outcome.FramesBeforeClose);
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(15), $"ended after {outcome.Elapsed}");
        Assert.Contains(server.Logs.Entries, e => e.Message.Contains("WebSocket message arrived below Asgi:MinRequestBodyDataRate", StringComparison.Ordinal));
        client.Dispose();
        await sending;
    }

    [Fact]
    public async Task A_message_arriving_above_the_rate_and_an_idle_socket_are_never_cut()
    {
        await using var server = await StartEchoAsync();
        using var client = await RawWebSocketClient.ConnectAsync(server);

        // Idle between messages for longer than the grace period: not measured.
        await Task.Delay(TimeSpan.FromSeconds(3.5));

        // 50 bytes every 100 ms (~500 B/s, five times the minimum) for 4 s.
        var piece = Encoding.ASCII.GetBytes(new string('y', 50));
        await client.SendFrameAsync(Op.Text, piece, fin: false);
        for (var i = 0; i < 40; i++)
        {
            await Task.Delay(100);
            await client.SendFrameAsync(Op.Continuation, piece, fin: i == 39);
        }

        var message = await client.ReadMessageAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(41 * 50, message.Data.Length);
        await client.SendCloseAsync(1000);
        await WsAssert.ClosesCleanlyAsync(client, 1000);
    }
}
