namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>
/// Autobahn 3.x and 4.x: RSV bits without a negotiated extension and reserved opcodes fail the connection with 1002
/// (RFC 6455 §5.2), and the server processes nothing after the offending frame.
/// </summary>
public sealed class ReservedBitsAndOpcodesTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Theory]
    [InlineData(4, Op.Text)] // 3.1 RSV1
    [InlineData(2, Op.Text)] // 3.2 RSV2
    [InlineData(1, Op.Text)] // 3.3 RSV3
    [InlineData(6, Op.Text)]
    [InlineData(5, Op.Binary)] // 3.5
    [InlineData(3, Op.Ping)] // 3.6
    [InlineData(7, Op.Close)] // 3.7
    [InlineData(4, Op.Pong)]
    public async Task Reserved_bits_without_an_extension_fail_with_1002(int rsv, byte opcode)
    {
        using var client = await fixture.ConnectAsync();
        var payload = opcode == Op.Close ? new byte[] { 0x03, 0xE8 } : "Hello, world!"u8.ToArray();
        await client.SendFrameAsync(opcode, payload, rsv: rsv);
        var outcome = await WsAssert.FailsWithAsync(client, 1002);
        Assert.Empty(outcome.FramesBeforeClose);
    }

    [Fact]
    public async Task Valid_text_is_echoed_then_reserved_bits_fail_and_later_pings_are_not_answered()
    {
        // Autobahn 3.2 / 3.4: a valid message first, then the bad frame, then a ping that must not be answered.
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(Op.Text, "Hello, world!"u8));
        bytes.AddRange(client.BuildFrame(Op.Text, "bad"u8, rsv: 2));
        bytes.AddRange(client.BuildFrame(Op.Ping, "ping"u8));
        await client.SendRawAsync([.. bytes], chop: 3);
        var outcome = await WsAssert.FailsWithAsync(client, 1002);
        Assert.Single(outcome.FramesBeforeClose);
        Assert.Equal(Op.Text, outcome.FramesBeforeClose[0].Opcode);
        Assert.Equal("Hello, world!"u8.ToArray(), outcome.FramesBeforeClose[0].Payload);
    }

    [Theory]
    [InlineData(0x3, 0)]
    [InlineData(0x4, 5)]
    [InlineData(0x5, 0)]
    [InlineData(0x6, 5)]
    [InlineData(0x7, 0)]
    [InlineData(0xB, 0)]
    [InlineData(0xC, 5)]
    [InlineData(0xD, 0)]
    [InlineData(0xE, 5)]
    [InlineData(0xF, 0)]
    public async Task Reserved_opcode_fails_with_1002(byte opcode, int length)
    {
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(opcode, WsAssert.TextPayload(length));
        var outcome = await WsAssert.FailsWithAsync(client, 1002);
        Assert.Empty(outcome.FramesBeforeClose);
    }

    [Theory]
    [InlineData(0x4)]
    [InlineData(0xB)]
    public async Task Reserved_opcode_after_a_valid_message_fails_and_the_following_ping_is_ignored(byte opcode)
    {
        // Autobahn 4.1.3 / 4.2.3.
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(Op.Text, "Hello, world!"u8));
        bytes.AddRange(client.BuildFrame(opcode, "reserved"u8));
        bytes.AddRange(client.BuildFrame(Op.Ping, []));
        await client.SendRawAsync([.. bytes], chop: 1);
        var outcome = await WsAssert.FailsWithAsync(client, 1002);
        Assert.Single(outcome.FramesBeforeClose);
        Assert.Equal(Op.Text, outcome.FramesBeforeClose[0].Opcode);
    }
}
