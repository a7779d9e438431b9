using System.Text;

namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>Autobahn 2.x: pings are answered with a pong carrying the same payload (RFC 6455 §5.5.2/§5.5.3).</summary>
public sealed class PingPongTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 0)]
    [InlineData(125, 0)]
    [InlineData(125, 1)]
    [InlineData(64, 7)]
    public async Task Ping_is_answered_with_a_pong_with_the_same_payload(int length, int chop)
    {
        using var client = await fixture.ConnectAsync();
        var payload = WsAssert.Payload(length);
        await client.SendFrameAsync(Op.Ping, payload, chop: chop);
        var frame = await client.ReadFrameAsync();
        Assert.NotNull(frame);
        Assert.Equal(Op.Pong, frame.Opcode);
        Assert.True(frame.Fin);
        Assert.Equal(payload, frame.Payload);
        await client.SendCloseAsync(1000);
        await WsAssert.ClosesCleanlyAsync(client, 1000);
    }

    [Fact]
    public async Task Ping_with_binary_payload_is_answered_exactly()
    {
        using var client = await fixture.ConnectAsync();
        byte[] payload = [0x00, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0x00, 0xFF];
        await client.SendFrameAsync(Op.Ping, payload);
        var frame = await client.ReadFrameAsync();
        Assert.Equal(Op.Pong, frame!.Opcode);
        Assert.Equal(payload, frame.Payload);
    }

    [Theory]
    [InlineData(126, LengthEncoding.Minimal)]
    [InlineData(200, LengthEncoding.Minimal)]
    [InlineData(70000, LengthEncoding.Minimal)]
    public async Task Control_frame_over_125_bytes_fails_with_1002(int length, LengthEncoding encoding)
    {
        // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less".
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(Op.Ping, WsAssert.Payload(length), length: encoding);
        var outcome = await WsAssert.FailsWithAsync(client, 1002);
        Assert.DoesNotContain(outcome.FramesBeforeClose, f => f.Opcode == Op.Pong);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(125)]
    public async Task Unsolicited_pong_is_ignored(int length)
    {
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(Op.Pong, WsAssert.Payload(length));
        await client.SendTextAsync("after pong");
        var message = await client.ReadMessageAsync();
        Assert.Equal(Op.Text, message.Opcode);
        Assert.Equal("after pong", message.Text);
        Assert.Empty(client.PongsReceived);
    }

    [Fact]
    public async Task Unsolicited_pong_then_ping_gets_only_the_ping_answered()
    {
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(Op.Pong, "unsolicited"u8);
        await client.SendFrameAsync(Op.Ping, "solicited"u8);
        var frame = await client.ReadFrameAsync();
        Assert.Equal(Op.Pong, frame!.Opcode);
        Assert.Equal("solicited", Encoding.UTF8.GetString(frame.Payload));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public async Task Ten_pings_in_a_row_get_ten_pongs_in_order(int chop)
    {
        using var client = await fixture.ConnectAsync();
        var all = new List<byte>();
        for (var i = 0; i < 10; i++)
        {
            all.AddRange(client.BuildFrame(Op.Ping, Encoding.ASCII.GetBytes($"payload-{i}")));
        }

        await client.SendRawAsync([.. all], chop);
        for (var i = 0; i < 10; i++)
        {
            var frame = await client.ReadFrameAsync();
            Assert.Equal(Op.Pong, frame!.Opcode);
            Assert.Equal($"payload-{i}", Encoding.ASCII.GetString(frame.Payload));
        }
    }
}
