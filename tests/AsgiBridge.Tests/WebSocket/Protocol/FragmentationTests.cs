using System.Text;

namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>Autobahn 5.x: fragmented messages (RFC 6455 §5.4) with interleaved control frames, and the fragmentation errors.</summary>
public sealed class FragmentationTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Theory]
    [InlineData(Op.Text, 18, 9, 0)] // 5.3
    [InlineData(Op.Text, 18, 9, 1)] // 5.5
    [InlineData(Op.Text, 200, 1, 0)]
    [InlineData(Op.Text, 200, 7, 5)]
    [InlineData(Op.Binary, 100, 3, 0)]
    [InlineData(Op.Binary, 100 * 1000, 1000, 0)]
    [InlineData(Op.Binary, 300 * 1024, 64 * 1024, 0)]
    [InlineData(Op.Text, 300 * 1024, 65535, 4096)]
    public async Task Fragmented_message_is_echoed_whole(byte opcode, int length, int fragmentSize, int chop)
    {
        using var client = await fixture.ConnectAsync();
        var data = opcode == Op.Text ? WsAssert.TextPayload(length) : WsAssert.Payload(length);
        await client.SendFragmentedAsync(opcode, data, fragmentSize, chop);
        await WsAssert.EchoesAsync(client, opcode, data);
        await client.SendCloseAsync(1000);
        await WsAssert.ClosesCleanlyAsync(client, 1000);
    }

    [Fact]
    public async Task Empty_fragments_are_allowed()
    {
        // 5.x: a message made of empty frames, and empty first/last fragments around data.
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(Op.Text, [], fin: false);
        await client.SendFrameAsync(Op.Continuation, [], fin: false);
        await client.SendFrameAsync(Op.Continuation, [], fin: true);
        await WsAssert.EchoesAsync(client, Op.Text, []);
        await client.SendFrameAsync(Op.Binary, [], fin: false);
        await client.SendFrameAsync(Op.Continuation, [1, 2, 3], fin: false);
        await client.SendFrameAsync(Op.Continuation, [], fin: true);
        await WsAssert.EchoesAsync(client, Op.Binary, [1, 2, 3]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Ping_between_fragments_is_answered_before_the_message_is_echoed(int chop)
    {
        // 5.6-5.8: text fin=0, ping, continuation fin=1.
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(Op.Text, "fragment1"u8, fin: false));
        bytes.AddRange(client.BuildFrame(Op.Ping, "ping payload"u8));
        bytes.AddRange(client.BuildFrame(Op.Continuation, "fragment2"u8, fin: true));
        await client.SendRawAsync([.. bytes], chop);
        var pong = await client.ReadFrameAsync();
        Assert.Equal(Op.Pong, pong!.Opcode);
        Assert.Equal("ping payload", Encoding.UTF8.GetString(pong.Payload));
        await WsAssert.EchoesAsync(client, Op.Text, "fragment1fragment2"u8.ToArray());
    }

    [Fact]
    public async Task Pongs_and_pings_between_many_fragments_are_handled()
    {
        // 5.19/5.20: pings and pongs interleaved in a five-fragment message, sent with pauses.
        using var client = await fixture.ConnectAsync();
        var expected = new StringBuilder();
        for (var i = 1; i <= 5; i++)
        {
            await client.SendFrameAsync(i == 1 ? Op.Text : Op.Continuation, Encoding.UTF8.GetBytes($"fragment{i}"), fin: i == 5);
            expected.Append("fragment").Append(i);
            if (i < 5)
            {
                await client.SendFrameAsync(Op.Pong, Encoding.UTF8.GetBytes($"pong{i}"));
                await client.SendFrameAsync(Op.Ping, Encoding.UTF8.GetBytes($"ping{i}"));
                var pong = await client.ReadFrameAsync();
                Assert.Equal(Op.Pong, pong!.Opcode);
                Assert.Equal($"ping{i}", Encoding.UTF8.GetString(pong.Payload));
                await Task.Delay(20);
            }
        }

        await WsAssert.EchoesAsync(client, Op.Text, Encoding.UTF8.GetBytes(expected.ToString()));
    }

    [Theory]
    [InlineData(Op.Ping)] // 5.1
    [InlineData(Op.Pong)] // 5.2
    [InlineData(Op.Close)]
    public async Task Fragmented_control_frame_fails_with_1002(byte opcode)
    {
        // RFC 6455 §5.5: "Control frames themselves MUST NOT be fragmented."
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(opcode, opcode == Op.Close ? [0x03, 0xE8] : "frag1"u8, fin: false));
        bytes.AddRange(client.BuildFrame(Op.Continuation, "frag2"u8, fin: true));
        await client.SendRawAsync([.. bytes]);
        var outcome = await WsAssert.FailsWithAsync(client, 1002);
        Assert.Empty(outcome.FramesBeforeClose);
    }

    [Theory]
    [InlineData(true, 0)] // 5.9
    [InlineData(true, 1)] // 5.11
    [InlineData(false, 0)] // 5.12
    [InlineData(false, 1)] // 5.14
    public async Task Continuation_without_a_message_in_progress_fails_with_1002(bool fin, int chop)
    {
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(Op.Continuation, "non-continuation payload"u8, fin: fin));
        bytes.AddRange(client.BuildFrame(Op.Text, "Hello, world!"u8));
        await client.SendRawAsync([.. bytes], chop);
        var outcome = await WsAssert.FailsWithAsync(client, 1002);
        Assert.Empty(outcome.FramesBeforeClose);
    }

    [Fact]
    public async Task Continuation_after_a_complete_message_fails_with_1002()
    {
        // 5.15: text fin=0, cont fin=1 (complete), then cont fin=0: no message in progress any more.
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(Op.Text, "fragment1"u8, fin: false));
        bytes.AddRange(client.BuildFrame(Op.Continuation, "fragment2"u8, fin: true));
        bytes.AddRange(client.BuildFrame(Op.Continuation, "fragment3"u8, fin: false));
        bytes.AddRange(client.BuildFrame(Op.Text, "fragment4"u8, fin: true));
        await client.SendRawAsync([.. bytes]);
        var outcome = await WsAssert.FailsWithAsync(client, 1002);
        Assert.Single(outcome.FramesBeforeClose);
        Assert.Equal("fragment1fragment2"u8.ToArray(), outcome.FramesBeforeClose[0].Payload);
    }

    [Theory]
    [InlineData(Op.Text, Op.Text)] // 5.18
    [InlineData(Op.Text, Op.Binary)]
    [InlineData(Op.Binary, Op.Text)]
    public async Task New_data_frame_during_a_fragmented_message_fails_with_1002(byte first, byte second)
    {
        using var client = await fixture.ConnectAsync();
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(first, "fragment1"u8, fin: false));
        bytes.AddRange(client.BuildFrame(second, "fragment2"u8, fin: true));
        await client.SendRawAsync([.. bytes]);
        var outcome = await WsAssert.FailsWithAsync(client, 1002);
        Assert.Empty(outcome.FramesBeforeClose);
    }
}
