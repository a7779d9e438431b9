using System.Text;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Http1;

/// <summary>Chunk extensions (RFC 9112 §7.1.1) over a real socket: valid ones are skipped, the rest get 400.</summary>
public sealed class ChunkExtensionTests : IAsyncLifetime
{
    private const string Head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(EchoApp.App);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(1)]
    [InlineData(1 << 20)]
    public async Task Whitespace_after_a_chunk_extension_value_gets_400_and_closes(int pieceSize)
    {
        using var client = await RawClient.ConnectAsync(_server);
        await client.SendInPiecesAsync(Encoding.Latin1.GetBytes(Head + "5;ext=1 \r\nhello\r\n0\r\n\r\n"), pieceSize);

        var responses = RawResponse.ParseAll(Encoding.Latin1.GetBytes(await client.ReadToEndAsync()), "POST", out _, atEof: true);

        var response = Assert.Single(responses);
        Assert.Equal(400, response.Status);
        Assert.Equal("Invalid chunk extension.\n", response.BodyText);
        Assert.Equal("close", response.Header("connection"));
    }

    [Fact]
    public async Task Whitespace_before_a_semicolon_and_around_equals_is_skipped_with_the_extension()
    {
        using var client = await RawClient.ConnectAsync(_server);
        await client.SendAsync(Head + "5 ; a = \"x y\" ;b\r\nhello\r\n6\t;c\t=\td\r\n world\r\n0 ;last\r\n\r\n");

        var response = await client.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        using var json = JsonDocument.Parse(response.BodyText);
        Assert.Equal("hello world", Encoding.UTF8.GetString(json.RootElement.GetProperty("body").GetBytesFromBase64()));
        Assert.Null(response.Header("connection"));
    }

    [Theory]
    [InlineData("5;ext \r\n")]
    [InlineData("5;e\u00e9=1\r\n")]
    [InlineData("5;ext=\"a\u0001\"\r\n")]
    [InlineData("5;ext=\"unterminated\r\n")]
    [InlineData("5;ext=a\"b\"\r\n")]
    public async Task Malformed_chunk_extensions_get_400(string sizeLine)
    {
        using var client = await RawClient.ConnectAsync(_server);
        await client.SendAsync(Head + sizeLine + "hello\r\n0\r\n\r\n");

        var responses = RawResponse.ParseAll(Encoding.Latin1.GetBytes(await client.ReadToEndAsync()), "POST", out _, atEof: true);

        var response = Assert.Single(responses);
        Assert.Equal(400, response.Status);
        Assert.Equal("Invalid chunk extension.\n", response.BodyText);
    }
}
