using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.WebSocket.Protocol;

/// <summary>Opening handshakes RFC 6455 §4.2.1 does not allow are refused with 400 (426 for the version), and never reach the app.</summary>
public sealed class MalformedHandshakeTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    private const string ValidKey = "dGhlIHNhbXBsZSBub25jZQ==";

    private static string Request(string path, string requestLine = "GET {0} HTTP/1.1", string key = ValidKey, string version = "13", string extra = "") =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, requestLine, path) + "\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        (key.Length > 0 ? $"Sec-WebSocket-Key: {key}\r\n" : "") +
        (version.Length > 0 ? $"Sec-WebSocket-Version: {version}\r\n" : "") +
        extra + "\r\n";

    public static TheoryData<string, string, int> Cases => new()
    {
        { "missing-key", Request("/ws/missing-key", key: ""), 400 },
        { "short-key", Request("/ws/short-key", key: "dGhlIHNhbXBsZSBub25jZQ"), 400 }, // no padding: 22 chars
        { "key-of-15-bytes", Request("/ws/key-of-15-bytes", key: "AAAAAAAAAAAAAAAAAAAA"), 400 },
        { "key-of-17-bytes", Request("/ws/key-of-17-bytes", key: "AAAAAAAAAAAAAAAAAAAAAAA="), 400 },
        { "key-not-base64", Request("/ws/key-not-base64", key: "!!!!!!!!!!!!!!!!!!!!!!=="), 400 },
        { "two-keys", Request("/ws/two-keys", extra: $"Sec-WebSocket-Key: {ValidKey}\r\n"), 400 },
        { "version-8", Request("/ws/version-8", version: "8"), 426 },
        { "version-14", Request("/ws/version-14", version: "14"), 426 },
        { "missing-version", Request("/ws/missing-version", version: ""), 400 },
        { "post", Request("/ws/post", requestLine: "POST {0} HTTP/1.1", extra: "Content-Length: 0\r\n"), 400 },
        { "put", Request("/ws/put", requestLine: "PUT {0} HTTP/1.1"), 400 },
        { "content-length-body", Request("/ws/content-length-body", extra: "Content-Length: 5\r\n") + "hello", 400 },
        { "chunked-body", Request("/ws/chunked-body", extra: "Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n", 400 },
        { "http-1.0", Request("/ws/http-1.0", requestLine: "GET {0} HTTP/1.0"), 400 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Malformed_handshake_is_refused_without_calling_the_app(string name, string request, int status)
    {
        using var client = await RawClient.ConnectAsync(fixture.Server);
        await client.SendAsync(request);
        var response = await client.ReadResponseAsync();
        Assert.Equal(status, response.Status);
        Assert.NotEqual(101, response.Status);
        if (status == 426)
        {
            // RFC 6455 §4.4: the versions the server speaks.
            Assert.Equal("13", response.Header("sec-websocket-version"));
        }

        Assert.Null(response.Header("sec-websocket-accept"));
        Assert.DoesNotContain($"/ws/{name}", fixture.WebSocketPaths);
    }

    [Theory]
    [InlineData("upgrade-case", "Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n")]
    [InlineData("connection-list", "Upgrade: websocket\r\nConnection: Upgrade, keep-alive\r\n")]
    public async Task Well_formed_handshake_variants_are_accepted(string name, string upgradeHeaders)
    {
        using var client = await RawClient.ConnectAsync(fixture.Server);
        await client.SendAsync($"GET /ws/{name} HTTP/1.1\r\nHost: localhost\r\n{upgradeHeaders}Sec-WebSocket-Key: {ValidKey}\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var response = await client.ReadResponsesAsync(1, timeout: TimeSpan.FromSeconds(5));
        Assert.NotEmpty(response);
        Assert.Equal(101, response[0].Status);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response[0].Header("sec-websocket-accept")); // RFC 6455 §1.3
        Assert.Contains($"/ws/{name}", fixture.WebSocketPaths);
    }
}
