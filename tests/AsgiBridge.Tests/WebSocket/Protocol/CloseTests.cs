using System.Text;

namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>Autobahn 7.x: the closing handshake (RFC 6455 §5.5.1, §7.1, §7.4).</summary>
public sealed class CloseTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Fact]
    public async Task Close_without_a_code_is_answered()
    {
        // 7.3.1: an empty close frame; the answer may be empty or 1000 (RFC 6455 §5.5.1, §7.1.5: 1005 is "no code").
        // Ours is empty, as uvicorn's: the code received, echoed.
        using var client = await fixture.ConnectAsync();
        await client.SendCloseAsync(null);
        var outcome = await WsAssert.ClosesCleanlyAsync(client, null);
        Assert.True(outcome.Code is null, outcome.ToString());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1002)]
    [InlineData(1003)]
    [InlineData(1007)]
    [InlineData(1008)]
    [InlineData(1009)]
    [InlineData(1010)]
    [InlineData(1011)]
    [InlineData(1012)]
    [InlineData(1013)]
    [InlineData(1014)]
    [InlineData(3000)]
    [InlineData(3999)]
    [InlineData(4000)]
    [InlineData(4999)]
    public async Task Valid_close_code_is_echoed(int code)
    {
        // 7.7.x: "the endpoint typically echos the status code it received" (RFC 6455 §5.5.1).
        using var client = await fixture.ConnectAsync();
        await client.SendCloseAsync(code);
        await WsAssert.ClosesCleanlyAsync(client, code);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(123)]
    public async Task Close_reason_up_to_123_bytes_is_accepted(int length)
    {
        // 7.3.3-7.3.5.
        using var client = await fixture.ConnectAsync();
        await client.SendCloseAsync(1000, WsAssert.TextPayload(length));
        var outcome = await WsAssert.ClosesCleanlyAsync(client, 1000);
        Assert.True(outcome.Reason.Length is 0 || outcome.Reason == Encoding.UTF8.GetString(WsAssert.TextPayload(length)), outcome.ToString());
    }

    [Fact]
    public async Task Close_reason_of_124_bytes_fails_with_1002()
    {
        // 7.3.6: code + 124 bytes = 126 bytes of control frame payload (RFC 6455 §5.5).
        using var client = await fixture.ConnectAsync();
        await client.SendCloseAsync(1000, WsAssert.TextPayload(124));
        await WsAssert.FailsWithAsync(client, 1002);
    }

    [Fact]
    public async Task Close_with_a_one_byte_payload_fails_with_1002()
    {
        // 7.3.2: "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer" (§5.5.1).
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(Op.Close, [0x03]);
        await WsAssert.FailsWithAsync(client, 1002);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(1016)]
    [InlineData(1100)]
    [InlineData(2000)]
    [InlineData(2999)]
    [InlineData(5000)]
    [InlineData(65535)]
    public async Task Invalid_close_code_fails_with_1002(int code)
    {
        // 7.9.x: RFC 6455 §7.4.1/§7.4.2: 1004-1006 and 1015 must not be sent in a close frame; 0-999, unassigned
        // 1016-2999 and everything from 5000 are not valid codes.
        using var client = await fixture.ConnectAsync();
        await client.SendCloseAsync(code, "reason"u8.ToArray());
        await WsAssert.FailsWithAsync(client, 1002);
    }

    [Theory]
    [InlineData("CEBAE1BDB9CF83CEBCCEB5EDA080656469746564")]
    [InlineData("C0AF")]
    [InlineData("CE")]
    public async Task Invalid_utf8_in_the_close_reason_fails_with_1007(string hex)
    {
        // 7.5.1: the close reason is UTF-8 (RFC 6455 §5.5.1, §8.1).
        using var client = await fixture.ConnectAsync();
        await client.SendCloseAsync(1000, Convert.FromHexString(hex));
        await WsAssert.FailsWithAsync(client, 1007);
    }

    [Fact]
    public async Task Message_before_close_is_echoed_then_the_close_answered()
    {
        // 7.1.1.
        using var client = await fixture.ConnectAsync();
        await client.SendTextAsync("Hello World!");
        await WsAssert.EchoesAsync(client, Op.Text, "Hello World!"u8.ToArray());
        await client.SendCloseAsync(1000);
        await WsAssert.ClosesCleanlyAsync(client, 1000);
    }

    [Theory]
    [InlineData(Op.Close)] // 7.1.2: a second close
    [InlineData(Op.Ping)] // 7.1.3
    [InlineData(Op.Text)] // 7.1.4
    [InlineData(Op.Binary)]
    public async Task Frames_after_the_client_close_are_ignored(byte opcode)
    {
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(Op.Close, [0x03, 0xE8]));
        bytes.AddRange(client.BuildFrame(opcode, opcode == Op.Close ? [0x03, 0xE8] : "after close"u8));
        await client.SendRawAsync([.. bytes]);
        var outcome = await WsAssert.ClosesCleanlyAsync(client, 1000);
        Assert.Empty(outcome.FramesBeforeClose);
    }

    [Fact]
    public async Task Close_in_the_middle_of_a_fragmented_message_is_answered_and_the_rest_ignored()
    {
        // 7.1.5: text fin=0, close, continuation fin=1. Control frames may be injected between fragments (§5.4).
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(Op.Text, "fragment1"u8, fin: false));
        bytes.AddRange(client.BuildFrame(Op.Close, [0x03, 0xE8]));
        bytes.AddRange(client.BuildFrame(Op.Continuation, "fragment2"u8, fin: true));
        await client.SendRawAsync([.. bytes]);
        var outcome = await WsAssert.ClosesCleanlyAsync(client, 1000);
        Assert.Empty(outcome.FramesBeforeClose);
    }

    [Fact]
    public async Task Close_right_after_a_large_message_still_completes_the_handshake()
    {
        // 7.1.6: 256 KiB message, close, ping, back to back. The echo may or may not arrive; the close must.
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(Op.Text, WsAssert.TextPayload(256 * 1024)));
        bytes.AddRange(client.BuildFrame(Op.Close, [0x03, 0xE8]));
        bytes.AddRange(client.BuildFrame(Op.Ping, []));
        await client.SendRawAsync([.. bytes]);
        var outcome = await WsAssert.ClosesCleanlyAsync(client, 1000);
        Assert.DoesNotContain(outcome.FramesBeforeClose, f => f.Opcode == Op.Pong);
    }
}
