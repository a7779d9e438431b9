using System.Text;

namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>Autobahn 6.x: text messages must be valid UTF-8 (RFC 6455 §5.6, §8.1); invalid text fails with 1007.</summary>
public sealed class Utf8Tests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Theory]
    [InlineData("")]
    [InlineData("48656C6C6F2DC2B540C39FC3B6C3A4C3BCC3A0C3A12D5554462D382121")] // Hello-µ@ßöäüàá-UTF-8!!
    [InlineData("CEBAE1BDB9CF83CEBCCEB5")] // κόσμε
    [InlineData("00")] // U+0000
    [InlineData("7F")]
    [InlineData("C280")] // first 2-byte
    [InlineData("DFBF")]
    [InlineData("E0A080")] // first 3-byte
    [InlineData("ED9FBF")] // U+D7FF, just below the surrogates
    [InlineData("EE8080")] // U+E000, just above
    [InlineData("EFBFBD")] // U+FFFD
    [InlineData("EFBFBF")] // U+FFFF (a noncharacter, still valid UTF-8)
    [InlineData("F0908080")] // first 4-byte
    [InlineData("F09F9880")] // 😀
    [InlineData("F48FBFBF")] // U+10FFFF
    public async Task Valid_utf8_text_is_echoed_whole_and_byte_by_byte(string hex)
    {
        var data = Convert.FromHexString(hex);
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(Op.Text, data);
        await WsAssert.EchoesAsync(client, Op.Text, data);

        // 6.2.3/6.2.4: the same text in one-byte fragments, code points split across frames.
        await client.SendFragmentedAsync(Op.Text, data, 1);
        await WsAssert.EchoesAsync(client, Op.Text, data);
    }

    [Fact]
    public async Task Long_multibyte_text_split_at_every_boundary_is_echoed()
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("κόσμε😀€ß", 200)));
        using var client = await fixture.ConnectAsync();
        foreach (var fragment in new[] { 1, 2, 3, 5, 7, 1000 })
        {
            await client.SendFragmentedAsync(Op.Text, data, fragment);
            await WsAssert.EchoesAsync(client, Op.Text, data);
        }
    }

    public static TheoryData<string> InvalidUtf8 => new()
    {
        "CEBAE1BDB9CF83CEBCCEB5EDA080656469746564", // 6.3.1: κόσμε + U+D800 + "edited"
        "80", // lone continuation byte
        "BF",
        "C0AF", // overlong '/'
        "C1BF",
        "E080AF", // overlong 3-byte
        "F08080AF", // overlong 4-byte
        "EDA080", // U+D800
        "EDBFBF", // U+DFFF
        "EDA080EDB080", // surrogate pair encoded as two 3-byte sequences
        "F4908080", // U+110000
        "F5808080",
        "F8888080AF", // 5-byte form
        "FE",
        "FF",
        "CE", // truncated at the end of the message
        "CEBAE1BD", // κό truncated
        "F09F98", // 😀 truncated
        "48656C6C6FC0", // "Hello" + lead byte with nothing after
        "E1BD20", // lead bytes then ASCII
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task Invalid_utf8_text_fails_with_1007(string hex)
    {
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(Op.Text, Convert.FromHexString(hex));
        var outcome = await WsAssert.FailsWithAsync(client, 1007);
        Assert.Empty(outcome.FramesBeforeClose);
    }

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task Invalid_utf8_text_in_one_byte_fragments_fails_with_1007(string hex)
    {
        using var client = await fixture.ConnectAsync();
        await client.SendFragmentedAsync(Op.Text, Convert.FromHexString(hex), 1);
        var outcome = await WsAssert.FailsWithAsync(client, 1007);
        Assert.Empty(outcome.FramesBeforeClose);
    }

    [Theory]
    [InlineData("CEBAE1BDB9CF83CEBCCEB5", "EDA080", "656469746564")] // 6.4.1-like: surrogate in the middle fragment
    [InlineData("CEBAE1BDB9CF83CEBCCEB5", "F4908080", "656469746564")] // 6.4.1: U+110000 in the middle fragment
    [InlineData("CEBAE1BDB9CF83CEBCCEB5F4", "90", "8080656469746564")] // 6.4.2: split inside the bad sequence
    [InlineData("48656C6C6F", "C0AF", "21")]
    public async Task Invalid_utf8_fails_fast_before_the_message_is_complete(string first, string bad, string last)
    {
        // RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is
        // not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_." Autobahn 6.4.x
        // checks this happens as soon as the bad bytes arrive, not at the end of the message.
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(Op.Text, Convert.FromHexString(first), fin: false);
        await Task.Delay(50);
        await client.SendFrameAsync(Op.Continuation, Convert.FromHexString(bad), fin: false);
        var outcome = await client.ReadCloseAsync(TimeSpan.FromSeconds(3));
        Assert.True(outcome.CloseReceived && outcome.Code == 1007, $"Expected 1007 before the last fragment was sent; got {outcome}");
        await client.SendFrameAsync(Op.Continuation, Convert.FromHexString(last), fin: true);
        Assert.True(outcome.End == ConnectionEnd.Eof, outcome.ToString());
    }

    [Fact]
    public async Task Invalid_utf8_across_the_message_boundary_is_not_joined_with_the_next_message()
    {
        // A lead byte at the end of one message cannot be completed by the next message.
        using var client = await fixture.ConnectAsync();
        await client.SendFrameAsync(Op.Text, [0x41, 0xCE]);
        await client.SendFrameAsync(Op.Text, [0xBA, 0x41]);
        await WsAssert.FailsWithAsync(client, 1007);
    }

    [Fact]
    public async Task Binary_messages_are_not_utf8_validated()
    {
        using var client = await fixture.ConnectAsync();
        byte[] data = [0xC0, 0xAF, 0xFF, 0xFE, 0xED, 0xA0, 0x80];
        await client.SendFrameAsync(Op.Binary, data);
        await WsAssert.EchoesAsync(client, Op.Binary, data);
    }
}
