using System.Text;

namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>
/// Autobahn 12.x/13.x: permessage-deflate (RFC 7692) negotiated with different offers, and compressed messages
/// (with and without context takeover, fragmented or not) echoed correctly.
/// </summary>
public sealed class PerMessageDeflateTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    /// <summary>Offers the server must accept, and what its answer must (or may) contain.</summary>
    [Theory]
    [InlineData("permessage-deflate", null)]
    [InlineData("permessage-deflate; client_max_window_bits", null)]
    [InlineData("permessage-deflate; client_max_window_bits=8", null)] // we may inflate with a bigger window than the client uses
    [InlineData("permessage-deflate; client_max_window_bits=9", null)]
    [InlineData("permessage-deflate; client_max_window_bits=15", null)]
    [InlineData("permessage-deflate; server_max_window_bits=9", 9)]
    [InlineData("permessage-deflate; server_max_window_bits=10", 10)]
    [InlineData("permessage-deflate; server_max_window_bits=11", 11)]
    [InlineData("permessage-deflate; server_max_window_bits=12", 12)]
    [InlineData("permessage-deflate; server_max_window_bits=13", 13)]
    [InlineData("permessage-deflate; server_max_window_bits=14", 14)]
    [InlineData("permessage-deflate; server_max_window_bits=15", 15)]
    [InlineData("permessage-deflate; server_no_context_takeover", null)]
    [InlineData("permessage-deflate; client_no_context_takeover", null)]
    [InlineData("permessage-deflate; server_no_context_takeover; client_no_context_takeover", null)]
    [InlineData("permessage-deflate; client_no_context_takeover; client_max_window_bits=9; server_max_window_bits=9; server_no_context_takeover", 9)]
    [InlineData("permessage-deflate; server_max_window_bits=\"12\"", 12)]
    public async Task Offer_is_accepted_and_compressed_messages_are_echoed(string offer, int? serverBits)
    {
        using var client = await fixture.ConnectAsync(offer);
        var answer = client.Deflate;
        Assert.True(answer is not null, $"permessage-deflate was not negotiated for '{offer}'");

        // RFC 7692 §7.1.1.1: server_no_context_takeover offered and accepted must be in the answer.
        if (offer.Contains("server_no_context_takeover", StringComparison.Ordinal))
        {
            Assert.True(answer.ServerNoContextTakeover, client.Header("sec-websocket-extensions"));
        }

        // §7.1.2.1: server_max_window_bits offered and accepted must be answered with a value no larger.
        if (serverBits is int bits)
        {
            Assert.NotNull(answer.ServerMaxWindowBits);
            Assert.InRange(answer.ServerMaxWindowBits.Value, 9, bits);
        }
        else
        {
            Assert.Null(answer.ServerMaxWindowBits);
        }

        // §7.1.2.2: client_max_window_bits may be answered only when offered.
        if (answer.ClientMaxWindowBits is int clientBits)
        {
            Assert.Contains("client_max_window_bits", offer, StringComparison.Ordinal);
            Assert.InRange(clientBits, 8, 15);
        }

        // §7.1.1.2: whether or not the server answers client_no_context_takeover, this client compresses each
        // message on its own, which is valid either way.
        await RoundTripsAsync(client);
        await client.SendCloseAsync(1000);
        await WsAssert.ClosesCleanlyAsync(client, 1000);
    }

    [Theory]
    [InlineData("permessage-deflate; server_max_window_bits=8")] // zlib cannot honour 8 (RFC 7692 §7.1.2.1 lets the server decline)
    [InlineData("permessage-deflate; server_max_window_bits=16")]
    [InlineData("permessage-deflate; server_max_window_bits=0")]
    [InlineData("permessage-deflate; server_max_window_bits")] // a value is required
    [InlineData("permessage-deflate; server_max_window_bits=09")]
    [InlineData("permessage-deflate; client_max_window_bits=7")]
    [InlineData("permessage-deflate; client_max_window_bits=16")]
    [InlineData("permessage-deflate; server_no_context_takeover=1")]
    [InlineData("permessage-deflate; server_no_context_takeover; server_no_context_takeover")] // §7: a parameter at most once
    [InlineData("permessage-deflate; unknown_parameter")]
    [InlineData("x-webkit-deflate-frame")]
    public async Task Unacceptable_offer_is_declined_and_the_session_runs_uncompressed(string offer)
    {
        using var client = await fixture.ConnectAsync(offer);
        Assert.Null(client.Header("sec-websocket-extensions"));
        var text = string.Concat(Enumerable.Repeat("uncompressed ", 100));
        await client.SendTextAsync(text);
        var message = await client.ReadMessageAsync();
        Assert.False(message.Compressed);
        Assert.Equal(text, message.Text);

        // Without the extension RSV1 is a protocol error again.
        await client.SendFrameAsync(Op.Text, RawWebSocketClient.Compress(Encoding.UTF8.GetBytes(text)), rsv: 4);
        await WsAssert.FailsWithAsync(client, 1002);
    }

    [Theory]
    [InlineData("permessage-deflate; server_max_window_bits=8, permessage-deflate", null, false)]
    [InlineData("permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=10", 10, false)]
    [InlineData("permessage-deflate; unknown, permessage-deflate; server_no_context_takeover", null, true)]
    [InlineData("x-webkit-deflate-frame, permessage-deflate; client_max_window_bits", null, false)]
    [InlineData("permessage-deflate; server_max_window_bits=16, permessage-deflate; server_max_window_bits=9; server_no_context_takeover, permessage-deflate", 9, true)]
    public async Task First_acceptable_offer_of_several_is_chosen(string offers, int? serverBits, bool serverNoContextTakeover)
    {
        // RFC 7692 §5 / RFC 6455 §9.1: offers in order of preference; the server picks one.
        using var client = await fixture.ConnectAsync(offers);
        Assert.NotNull(client.Deflate);
        Assert.Equal(serverBits, client.Deflate.ServerMaxWindowBits);
        Assert.Equal(serverNoContextTakeover, client.Deflate.ServerNoContextTakeover);
        await RoundTripsAsync(client);
    }

    [Theory]
    [InlineData(Op.Text, 16 * 1024, 100)]
    [InlineData(Op.Binary, 64 * 1024, 1000)]
    [InlineData(Op.Binary, 100, 1)]
    public async Task Fragmented_compressed_message_is_echoed(byte opcode, int length, int fragmentSize)
    {
        // RFC 7692 §6.1: RSV1 on the first frame only; the compressed payload is split across the fragments.
        using var client = await fixture.ConnectAsync("permessage-deflate");
        var data = WsAssert.TextPayload(length);
        await client.SendCompressedAsync(opcode, data, fragmentSize);
        var message = await client.ReadMessageAsync();
        Assert.Equal(opcode, message.Opcode);
        Assert.Equal(data, message.Data);
    }

    [Fact]
    public async Task Uncompressed_message_in_a_compressed_session_is_echoed()
    {
        // RFC 7692 §6.1: a message without RSV1 is not compressed, even when the extension is in use.
        using var client = await fixture.ConnectAsync("permessage-deflate");
        await client.SendTextAsync("plain");
        var message = await client.ReadMessageAsync();
        Assert.Equal("plain", message.Text);
    }

    [Theory]
    [InlineData(Op.Ping)]
    [InlineData(Op.Pong)]
    [InlineData(Op.Close)]
    public async Task Rsv1_on_a_control_frame_fails_with_1002(byte opcode)
    {
        // RFC 7692 §6.1: "An endpoint MUST NOT set the "Per-Message Compressed" bit of control frames".
        using var client = await fixture.ConnectAsync("permessage-deflate");
        await client.SendFrameAsync(opcode, opcode == Op.Close ? [0x03, 0xE8] : "x"u8, rsv: 4);
        await WsAssert.FailsWithAsync(client, 1002);
    }

    [Fact]
    public async Task Rsv1_on_a_continuation_frame_fails_with_1002()
    {
        // RFC 7692 §6.1: RSV1 only on the first frame of a message.
        using var client = await fixture.ConnectAsync("permessage-deflate");
        var compressed = RawWebSocketClient.Compress(WsAssert.TextPayload(100));
        var bytes = new List<byte>();
        bytes.AddRange(client.BuildFrame(Op.Text, compressed.AsSpan(0, 10), fin: false, rsv: 4));
        bytes.AddRange(client.BuildFrame(Op.Continuation, compressed.AsSpan(10), fin: true, rsv: 4));
        await client.SendRawAsync([.. bytes]);
        await WsAssert.FailsWithAsync(client, 1002);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    public async Task Rsv2_or_rsv3_fail_with_1002_even_with_compression(int rsv, byte opcode)
    {
        using var client = await fixture.ConnectAsync("permessage-deflate");
        await client.SendFrameAsync(opcode, "x"u8, rsv: rsv | 4);
        await WsAssert.FailsWithAsync(client, 1002);
    }

    [Fact]
    public async Task Compressed_text_that_inflates_to_invalid_utf8_fails_with_1007()
    {
        using var client = await fixture.ConnectAsync("permessage-deflate");
        await client.SendCompressedAsync(Op.Text, Convert.FromHexString("CEBAE1BDB9CF83CEBCCEB5EDA080656469746564"));
        await WsAssert.FailsWithAsync(client, 1007);
    }

    /// <summary>12.x/13.x in small: payload sizes from 16 bytes to 128 KiB, text and binary, compressible and not, several times each so context takeover is exercised.</summary>
    private static async Task RoundTripsAsync(RawWebSocketClient client)
    {
        var random = new Random(7);
        foreach (var size in new[] { 16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072 })
        {
            for (var repeat = 0; repeat < 3; repeat++)
            {
                var opcode = repeat == 1 ? Op.Binary : Op.Text;

                // Autobahn's payloads: a repeated, partly random text, so it compresses but not trivially.
                var data = WsAssert.TextPayload(size);
                for (var i = 0; i < size / 8; i++)
                {
                    data[random.Next(size)] = (byte)random.Next('a', 'z' + 1);
                }

                if (repeat == 2)
                {
                    await client.SendFrameAsync(opcode, data);
                }
                else
                {
                    await client.SendCompressedAsync(opcode, data);
                }

                var message = await client.ReadMessageAsync();
                Assert.True(message.Opcode == opcode, $"size {size} repeat {repeat}: got {message}");
                Assert.True(message.Compressed || size < 64, $"size {size} repeat {repeat}: the server's echo was not compressed");
                Assert.True(data.AsSpan().SequenceEqual(message.Data), $"size {size} repeat {repeat}: the echo differs");
            }
        }
    }
}
