using System.Net;
using System.Text.RegularExpressions;
using AsgiBridge.Testing;

namespace AsgiBridge.Tests.Backends;

/// <summary>
/// Backend 4: <see cref="AsgiTestClient"/>, in memory (TestServer under the HttpContext backend). No socket: the scope
/// has no <c>client</c> or <c>server</c>, and a refused WebSocket handshake only throws, with the status in its
/// message (docs/testing.md).
/// </summary>
public sealed partial class TestClientBackend : AsgiBackend
{
    private AsgiTestClient? _client;

    public override string HttpVersion => "1.1";

    public override string Scheme => "http";

    public override bool HasSocketEndpoints => false;

    public override bool HandshakeAnswerBodyVisible => false;

    public override string Authority => "localhost";

    public override int Port => 0;

    public override async Task<System.Net.WebSockets.WebSocket> ConnectWebSocketAsync(string path, params string[] subprotocols)
    {
        try
        {
            return await _client!.ConnectWebSocketAsync(path, subprotocols);
        }
        catch (InvalidOperationException ex) when (HandshakeStatus().Match(ex.Message) is { Success: true } match)
        {
            throw new WebSocketRefusedException((HttpStatusCode)int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), ex);
        }
    }

    protected override async Task<HttpClient> StartAsync(AsgiApp app)
    {
        _client = new AsgiTestClient(app);
        await _client.StartAsync();
        return _client.HttpClient;
    }

    protected override async Task StopAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }

    // TestServer's WebSocketClient: "Incomplete handshake, status code: 403".
    [GeneratedRegex(@"status code: (\d{3})")]
    private static partial Regex HandshakeStatus();
}

/// <summary>The contract on backend 4: the in-memory test client.</summary>
public sealed class TestClientConformanceTests(TestClientBackend backend) : ContractConformanceTests(backend), IClassFixture<TestClientBackend>;
