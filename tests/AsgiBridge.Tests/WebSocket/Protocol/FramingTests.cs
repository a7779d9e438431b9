namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>Autobahn 1.x (and the masking rule of RFC 6455 §5.1/§5.2): data frames of every length class are echoed.</summary>
public sealed class FramingTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Theory]
    [InlineData(Op.Text, 0, 0)]
    [InlineData(Op.Text, 125, 0)]
    [InlineData(Op.Text, 126, 0)]
    [InlineData(Op.Text, 127, 0)]
    [InlineData(Op.Text, 128, 0)]
    [InlineData(Op.Text, 65535, 0)]
    [InlineData(Op.Text, 65536, 0)]
    [InlineData(Op.Text, 65536, 997)]
    [InlineData(Op.Text, 1024 * 1024, 0)]
    [InlineData(Op.Binary, 0, 0)]
    [InlineData(Op.Binary, 125, 0)]
    [InlineData(Op.Binary, 126, 0)]
    [InlineData(Op.Binary, 127, 0)]
    [InlineData(Op.Binary, 128, 0)]
    [InlineData(Op.Binary, 65535, 0)]
    [InlineData(Op.Binary, 65536, 0)]
    [InlineData(Op.Binary, 65536, 997)]
    [InlineData(Op.Binary, 1024 * 1024, 0)]
    public async Task Data_frame_of_each_length_class_is_echoed(byte opcode, int length, int chop)
    {
        using var client = await fixture.ConnectAsync();
        var data = opcode == Op.Text ? WsAssert.TextPayload(length) : WsAssert.Payload(length);
        await client.SendFrameAsync(opcode, data, chop: chop);
        await WsAssert.EchoesAsync(client, opcode, data);
        await client.SendCloseAsync(1000);
        await WsAssert.ClosesCleanlyAsync(client, 1000);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public async Task Frame_delivered_a_few_bytes_per_tcp_write_is_echoed(int chop)
    {
        using var client = await fixture.ConnectAsync();
        var data = WsAssert.TextPayload(300);
        await client.SendFrameAsync(Op.Text, data, chop: chop);
        await WsAssert.EchoesAsync(client, Op.Text, data);
    }

    [Fact]
    public async Task Many_messages_in_one_tcp_write_are_echoed_in_order()
    {
        using var client = await fixture.ConnectAsync();
        var all = new List<byte>();
        for (var i = 0; i < 50; i++)
        {
            all.AddRange(client.BuildFrame(i % 2 == 0 ? Op.Text : Op.Binary, WsAssert.TextPayload(i * 3)));
        }

        await client.SendRawAsync([.. all]);
        for (var i = 0; i < 50; i++)
        {
            await WsAssert.EchoesAsync(client, i % 2 == 0 ? Op.Text : Op.Binary, WsAssert.TextPayload(i * 3));
        }
    }

    [Theory]
    [InlineData(Op.Text, 5)]
    [InlineData(Op.Binary, 0)]
    [InlineData(Op.Ping, 4)]
    [InlineData(Op.Close, 2)]
    public async Task Unmasked_client_frame_fails_with_1002(byte opcode, int length)
    {
        // RFC 6455 §5.1: "The server MUST close the connection upon receiving a frame that is not masked ...
        // a server MAY send a Close frame with a status code of 1002".
        using var client = await fixture.ConnectAsync();
        var payload = opcode == Op.Close ? new byte[] { 0x03, 0xE8 } : WsAssert.TextPayload(length);
        await client.SendFrameAsync(opcode, payload, mask: false);
        await WsAssert.FailsWithAsync(client, 1002);
    }

    [Fact]
    public async Task Sixty_four_bit_length_with_the_most_significant_bit_set_fails_with_1002()
    {
        // RFC 6455 §5.2: for the 64-bit length "the most significant bit MUST be 0".
        using var client = await fixture.ConnectAsync();
        await client.SendRawAsync([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0x05, 1, 2, 3, 4]);
        await WsAssert.FailsWithAsync(client, 1002);
    }

    [Fact]
    public async Task Server_closes_tcp_after_the_close_handshake_without_waiting_for_the_client()
    {
        // RFC 6455 §7.1.1: after the close handshake the server should close the TCP connection first. The client
        // here answers nothing and never half-closes: the server must still end the connection.
        using var client = await fixture.ConnectAsync();
        await client.SendCloseAsync(1000);
        var outcome = await client.ReadCloseAsync(TimeSpan.FromSeconds(5), answerAndHalfClose: false);
        Assert.True(outcome.CloseReceived && outcome.Code == 1000, outcome.ToString());
        Assert.True(outcome.End == ConnectionEnd.Eof, outcome.ToString());
    }

    [Theory]
    [InlineData("opcode", 1002)]
    [InlineData("utf8", 1007)]
    [InlineData("close-code", 1002)]
    [InlineData("rsv", 1002)]
    public async Task Server_closes_tcp_after_failing_the_connection_without_waiting_for_the_client(string kind, int code)
    {
        // The judge's client neither answers the server's close nor half-closes: the close frame must arrive, then a FIN.
        using var client = await fixture.ConnectAsync();
        switch (kind)
        {
            case "utf8":
                await client.SendFrameAsync(Op.Text, [0xC0, 0xAF]);
                break;
            case "close-code":
                await client.SendCloseAsync(1004);
                break;
            case "rsv":
                await client.SendFrameAsync(Op.Binary, [1, 2, 3], rsv: 1);
                break;
            default:
                await client.SendFrameAsync(0x3, [0x00]);
                break;
        }

        var outcome = await client.ReadCloseAsync(TimeSpan.FromSeconds(5), answerAndHalfClose: false);
        Assert.True(outcome.CloseReceived && outcome.Code == code, outcome.ToString());
        Assert.True(outcome.End == ConnectionEnd.Eof, outcome.ToString());
    }

    [Fact]
    public async Task Subprotocol_offered_first_is_selected()
    {
        using var client = await fixture.ConnectAsync(null, "chat.v2", "chat.v1");
        Assert.Equal("chat.v2", client.Header("sec-websocket-protocol"));
        Assert.Null(client.Header("sec-websocket-extensions"));
    }
}
