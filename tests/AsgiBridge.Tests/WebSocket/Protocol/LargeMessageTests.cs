using System.Diagnostics;

namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>Autobahn 9.x: large messages, in one frame and in fragments, echoed within a bounded time.</summary>
public sealed class LargeMessageTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(Op.Text, 4 * 1024 * 1024, 0)] // 9.1.5
    [InlineData(Op.Binary, 4 * 1024 * 1024, 0)] // 9.2.5
    [InlineData(Op.Binary, 8 * 1024 * 1024, 0)]
    [InlineData(Op.Text, 8 * 1024 * 1024, 64 * 1024)] // 9.3.x-like
    [InlineData(Op.Binary, 8 * 1024 * 1024, 64 * 1024)] // 9.4.x-like
    [InlineData(Op.Binary, 16 * 1024 * 1024, 0)] // 9.2.6: exactly the default WsMaxSize
    [InlineData(Op.Binary, 4 * 1024 * 1024, 256)] // 9.4.1-like: many small fragments
    public async Task Large_message_is_echoed_in_bounded_time(byte opcode, int length, int fragmentSize)
    {
        using var client = await fixture.ConnectAsync();
        var data = opcode == Op.Text ? WsAssert.TextPayload(length) : WsAssert.Payload(length);
        var watch = Stopwatch.StartNew();
        if (fragmentSize == 0)
        {
            await client.SendFrameAsync(opcode, data);
        }
        else
        {
            await client.SendFragmentedAsync(opcode, data, fragmentSize);
        }

        await WsAssert.EchoesAsync(client, opcode, data, s_bound);
        Assert.True(watch.Elapsed < s_bound, $"took {watch.Elapsed}");
        await client.SendCloseAsync(1000);
        await WsAssert.ClosesCleanlyAsync(client, 1000);
    }

    [Fact]
    public async Task Large_message_sent_in_small_tcp_writes_is_echoed()
    {
        // 9.5.x/9.6.x: 1 MiB delivered in 64 KiB and then in 4 KiB TCP writes.
        using var client = await fixture.ConnectAsync();
        var data = WsAssert.Payload(1024 * 1024);
        await client.SendFrameAsync(Op.Binary, data, chop: 64 * 1024);
        await WsAssert.EchoesAsync(client, Op.Binary, data, s_bound);
        await client.SendFrameAsync(Op.Binary, data, chop: 4 * 1024);
        await WsAssert.EchoesAsync(client, Op.Binary, data, s_bound);
    }

    [Theory]
    [InlineData(Op.Text, 0)]
    [InlineData(Op.Text, 16)]
    [InlineData(Op.Binary, 64)]
    [InlineData(Op.Binary, 4096)]
    public async Task Thousand_messages_sent_back_to_back_are_echoed_in_order(byte opcode, int length)
    {
        // 9.7.x/9.8.x, with all messages pipelined in one write.
        using var client = await fixture.ConnectAsync();
        var data = opcode == Op.Text ? WsAssert.TextPayload(length) : WsAssert.Payload(length);
        var bytes = new List<byte>();
        for (var i = 0; i < 1000; i++)
        {
            bytes.AddRange(client.BuildFrame(opcode, data));
        }

        var send = client.SendRawAsync([.. bytes]);
        for (var i = 0; i < 1000; i++)
        {
            await WsAssert.EchoesAsync(client, opcode, data, s_bound);
        }

        await send;
    }
}

/// <summary>Messages over <c>WsMaxSize</c> fail with 1009 (RFC 6455 §7.4.1), however they arrive.</summary>
public sealed class MessageSizeLimitTests(SmallMessageLimitFixture fixture) : IClassFixture<SmallMessageLimitFixture>
{
    private const int Limit = SmallMessageLimitFixture.Limit;

    [Theory]
    [InlineData(Op.Text)]
    [InlineData(Op.Binary)]
    public async Task Message_at_the_limit_is_echoed(byte opcode)
    {
        using var client = await fixture.ConnectAsync();
        var data = WsAssert.TextPayload(Limit);
        await client.SendFrameAsync(opcode, data);
        await WsAssert.EchoesAsync(client, opcode, data);
        await client.SendFragmentedAsync(opcode, data, 100);
        await WsAssert.EchoesAsync(client, opcode, data);
    }

    [Theory]
    [InlineData(Op.Text, Limit + 1, 0)]
    [InlineData(Op.Binary, Limit + 1, 0)]
    [InlineData(Op.Binary, 64 * 1024, 0)]
    [InlineData(Op.Binary, 4 * 1024 * 1024, 0)]
    [InlineData(Op.Text, Limit + 1, 100)]
    [InlineData(Op.Binary, 10 * Limit, 512)]
    public async Task Message_over_the_limit_fails_with_1009(byte opcode, int length, int fragmentSize)
    {
        using var client = await fixture.ConnectAsync();
        var data = WsAssert.TextPayload(length);
        if (fragmentSize == 0)
        {
            await client.SendFrameAsync(opcode, data);
        }
        else
        {
            await client.SendFragmentedAsync(opcode, data, fragmentSize);
        }

        var outcome = await WsAssert.FailsWithAsync(client, 1009);
        Assert.Empty(outcome.FramesBeforeClose);
    }

    [Fact]
    public async Task Frame_announcing_a_huge_message_fails_with_1009_before_it_is_complete()
    {
        // A 64-bit length of 1 GiB, then only a few KiB of it: the limit is enforced as the payload streams in.
        using var client = await fixture.ConnectAsync();
        var frame = client.BuildFrame(Op.Binary, new byte[4 * Limit]);
        var header = new byte[] { 0x82, 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0 };
        await client.SendRawAsync([.. header, .. frame.AsSpan(4)]); // mask key and 4 KiB of payload
        var outcome = await client.ReadCloseAsync(TimeSpan.FromSeconds(5));
        Assert.True(outcome.CloseReceived && outcome.Code == 1009, outcome.ToString());
    }

    [Fact]
    public async Task Compressed_message_inflating_over_the_limit_fails_with_1009()
    {
        // The limit applies to the message after inflation (a 1 MiB run of zeros compresses to about 1 KiB).
        using var client = await fixture.ConnectAsync("permessage-deflate");
        Assert.NotNull(client.Deflate);
        await client.SendCompressedAsync(Op.Binary, new byte[1024 * 1024]);
        await WsAssert.FailsWithAsync(client, 1009);
    }

    [Fact]
    public async Task Messages_under_the_limit_keep_flowing_after_many_round_trips()
    {
        using var client = await fixture.ConnectAsync();
        for (var i = 0; i < 20; i++)
        {
            var data = WsAssert.Payload(Limit - i, i);
            await client.SendBinaryAsync(data);
            await WsAssert.EchoesAsync(client, Op.Binary, data);
        }
    }
}
