using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// Forwarding headers over real sockets: the test client connects from 127.0.0.1, which the default
/// <c>Asgi:ForwardedAllowIps</c> trusts (a proxy on the same machine); <c>ForwardedAllowIps=10.0.0.1</c> makes it an
/// untrusted peer. The app echoes its scope (EchoApp), and for a WebSocket sends the same description as a message.
/// </summary>
public sealed class ProxyHeadersTests : IAsyncLifetime
{
    private static readonly AsgiApp s_app = async (scope, receive, send) =>
    {
        if (scope.Type != "websocket")
        {
            await EchoApp.App(scope, receive, send);
            return;
        }

        await receive();
        await send(new WebSocketAcceptEvent());
        await send(WebSocketMessageEvent.SendText(Encoding.UTF8.GetString(EchoApp.Describe(scope, default))));
        await send(WebSocketCloseEvent.Close());
    };

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(s_app);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>What the app saw, and the port the test connected from (the peer the server sees).</summary>
    private sealed record Seen(JsonElement Scope, int PeerPort)
    {
        public (string? Host, int? Port) Client =>
            Scope.GetProperty("client") is { ValueKind: JsonValueKind.Array } client
                ? (client[0].GetString(), client[1].ValueKind == JsonValueKind.Null ? null : client[1].GetInt32())
                : (null, null);

        public string Scheme => Scope.GetProperty("scheme").GetString()!;

        public string RootPath => Scope.GetProperty("root_path").GetString()!;

        public string Path => Scope.GetProperty("path").GetString()!;

        public string RawPath => Scope.GetProperty("raw_path").GetString()!;

        public string[] Headers => Scope.GetProperty("headers").EnumerateArray().Select(h => $"{h[0].GetString()}: {h[1].GetString()}").ToArray();

        public bool KeptPeer => Client == ("127.0.0.1", PeerPort);
    }

    private static async Task<Seen> GetAsync(TestServer server, params string[] headers)
    {
        using var raw = await RawClient.ConnectAsync(server);
        var request = "GET /items?q=1 HTTP/1.1\r\nHost: internal:8000\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "Connection: close\r\n\r\n";
        await raw.SendAsync(request);
        var response = await raw.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        using var json = JsonDocument.Parse(response.BodyText);
        return new Seen(json.RootElement.Clone(), ((IPEndPoint)raw.Socket.LocalEndPoint!).Port);
    }

    private static async Task<Seen> WebSocketAsync(TestServer server, params (string Name, string Value)[] headers)
    {
        using var client = new ClientWebSocket();
        foreach (var (name, value) in headers)
        {
            client.Options.SetRequestHeader(name, value);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws"), timeout.Token);
        var buffer = new byte[64 * 1024];
        var received = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await client.ReceiveAsync(new ArraySegment<byte>(buffer, received, buffer.Length - received), timeout.Token);
            received += result.Count;
        }
        while (!result.EndOfMessage);

        using var json = JsonDocument.Parse(buffer.AsMemory(0, received));
        return new Seen(json.RootElement.Clone(), 0);
    }

    private static Task<TestServer> StartAsync(Action<AsgiServerOptions> configure) => TestServer.StartAsync(s_app, configure);

    [Fact]
    public async Task X_Forwarded_For_names_the_client()
    {
        var seen = await GetAsync(_server, "X-Forwarded-For: 203.0.113.7");
        Assert.Equal(("203.0.113.7", 0), seen.Client);
        Assert.Contains("x-forwarded-for: 203.0.113.7", seen.Headers);
    }

    [Fact]
    public async Task X_Forwarded_For_skips_trusted_hops_from_the_right_over_several_lines()
    {
        await using var server = await StartAsync(o => o.ForwardedAllowIps = "127.0.0.1,10.0.0.0/8");
        Assert.Equal(("203.0.113.7", 4711), (await GetAsync(server, "X-Forwarded-For: 6.6.6.6, 203.0.113.7:4711, 10.0.0.2")).Client);
        Assert.Equal(("203.0.113.7", 0), (await GetAsync(server, "X-Forwarded-For: 6.6.6.6", "X-Forwarded-For: 203.0.113.7", "X-Forwarded-For: 10.0.0.2, 10.0.0.3")).Client);
        Assert.Equal(("2001:db8::7", 443), (await GetAsync(server, "X-Forwarded-For: 198.51.100.9", "X-Forwarded-For: [2001:db8::7]:443")).Client);

        // Every hop trusted: the left-most is the client.
        Assert.Equal(("10.0.0.3", 0), (await GetAsync(server, "X-Forwarded-For: 10.0.0.3, 10.0.0.2")).Client);
    }

    [Theory]
    [InlineData("X-Forwarded-For: 203.0.113.7, garbage")]
    [InlineData("X-Forwarded-For: 203.0.113.7, unknown")]
    [InlineData("X-Forwarded-For: 203.0.113.7, 10.0.0.2:99999")]
    [InlineData("X-Forwarded-For: 203.0.113.7, fe80::1%eth0")]
    [InlineData("X-Forwarded-For: 203.0.113.7, 10.0.0.2 10.0.0.3")]
    public async Task An_entry_that_is_not_an_address_keeps_the_peer(string header)
    {
        // The proto from the same trusted peer still applies: only the chain is abandoned.
        var seen = await GetAsync(_server, header, "X-Forwarded-Proto: https");
        Assert.True(seen.KeptPeer, $"client {seen.Client}");
        Assert.Equal("https", seen.Scheme);
    }

    [Fact]
    public async Task More_than_64_trusted_hops_keep_the_peer()
    {
        var trusted = string.Join(", ", Enumerable.Repeat("127.0.0.1", 63));
        Assert.Equal(("203.0.113.7", 0), (await GetAsync(_server, $"X-Forwarded-For: 203.0.113.7, {trusted}")).Client);

        var seen = await GetAsync(_server, $"X-Forwarded-For: 203.0.113.7, 127.0.0.1, {trusted}", "X-Forwarded-Proto: https");
        Assert.True(seen.KeptPeer, $"client {seen.Client}");
        Assert.Equal("https", seen.Scheme);
    }

    [Fact]
    public async Task X_Forwarded_Proto_sets_the_scheme_of_an_http_scope()
    {
        Assert.Equal("https", (await GetAsync(_server, "X-Forwarded-Proto: HTTPS")).Scheme);
        Assert.Equal("https", (await GetAsync(_server, "X-Forwarded-Proto: wss")).Scheme);
        Assert.Equal("https", (await GetAsync(_server, "X-Forwarded-For: 203.0.113.7, 127.0.0.1", "X-Forwarded-Proto: https, http")).Scheme);
        Assert.Equal("http", (await GetAsync(_server, "X-Forwarded-Proto: ftp")).Scheme);
    }

    [Fact]
    public async Task A_WebSocket_scope_gets_ws_or_wss_and_the_forwarded_client()
    {
        var secure = await WebSocketAsync(_server, ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "203.0.113.7:4711"));
        Assert.Equal("websocket", secure.Scope.GetProperty("type").GetString());
        Assert.Equal(("wss", ("203.0.113.7", (int?)4711)), (secure.Scheme, secure.Client));

        var forwarded = await WebSocketAsync(_server, ("Forwarded", "for=\"[2001:db8::7]\";proto=wss"));
        Assert.Equal(("wss", ("2001:db8::7", (int?)0)), (forwarded.Scheme, forwarded.Client));

        var plain = await WebSocketAsync(_server, ("X-Forwarded-Proto", "http"), ("X-Forwarded-For", "203.0.113.7"));
        Assert.Equal(("ws", ("203.0.113.7", (int?)0)), (plain.Scheme, plain.Client));
    }

    [Fact]
    public async Task Forwarded_names_the_client_with_quoted_IPv6_and_port()
    {
        var seen = await GetAsync(_server, "Forwarded: for=\"[2001:db8::7]:4711\";proto=https");
        Assert.Equal(("2001:db8::7", 4711), seen.Client);
        Assert.Equal("https", seen.Scheme);
        Assert.Equal(("203.0.113.7", 0), (await GetAsync(_server, "forwarded: For=203.0.113.7;by=\"[::1]\"")).Client);
    }

    [Theory]
    [InlineData("Forwarded: for=unknown;proto=https")]
    [InlineData("Forwarded: for=_hidden;proto=https")]
    [InlineData("Forwarded: for=\"_hidden:_port\";proto=https, for=127.0.0.1")]
    public async Task Unknown_and_obfuscated_nodes_keep_the_peer_but_give_the_scheme(string header)
    {
        var seen = await GetAsync(_server, header, "X-Forwarded-For: 198.51.100.9");
        Assert.True(seen.KeptPeer, $"client {seen.Client}");
        Assert.Equal("https", seen.Scheme);
    }

    [Fact]
    public async Task Forwarded_elements_of_all_lines_are_walked_right_to_left()
    {
        await using var server = await StartAsync(o => o.ForwardedAllowIps = "127.0.0.1,10.0.0.0/8");
        var seen = await GetAsync(server, "Forwarded: for=6.6.6.6;proto=http, for=203.0.113.7;proto=https", "Forwarded: for=10.0.0.2;proto=http");
        Assert.Equal(("203.0.113.7", 0), seen.Client);
        Assert.Equal("https", seen.Scheme);
    }

    [Fact]
    public async Task Forwarded_wins_over_X_Forwarded_headers()
    {
        var seen = await GetAsync(_server, "X-Forwarded-For: 198.51.100.9", "X-Forwarded-Proto: http", "Forwarded: for=203.0.113.7;proto=https");
        Assert.Equal(("203.0.113.7", 0), seen.Client);
        Assert.Equal("https", seen.Scheme);
    }

    [Theory]
    [InlineData("Forwarded: for=\"203.0.113.7")]
    [InlineData("Forwarded: for=[2001:db8::7]")]
    [InlineData("Forwarded: for = 203.0.113.7")]
    [InlineData("Forwarded: for=203.0.113.7 proto=https")]
    public async Task A_malformed_Forwarded_header_falls_back_to_X_Forwarded(string header)
    {
        var seen = await GetAsync(_server, header, "X-Forwarded-For: 198.51.100.9", "X-Forwarded-Proto: https");
        Assert.Equal(("198.51.100.9", 0), seen.Client);
        Assert.Equal("https", seen.Scheme);
    }

    [Fact]
    public async Task ForwardedHost_replaces_the_host_header_and_keeps_the_original()
    {
        var off = await GetAsync(_server, "X-Forwarded-Host: public.example", "X-Forwarded-For: 203.0.113.7");
        Assert.Equal(("203.0.113.7", 0), off.Client);
        Assert.Contains("host: internal:8000", off.Headers);
        Assert.DoesNotContain(off.Headers, h => h.StartsWith("x-original-host", StringComparison.Ordinal));

        await using var server = await StartAsync(o => o.ForwardedHost = true);
        var on = await GetAsync(server, "X-Forwarded-Host: public.example:8443");
        Assert.Equal(["host: public.example:8443", "x-forwarded-host: public.example:8443", "connection: close", "x-original-host: internal:8000"], on.Headers);
        Assert.Contains("host: public.example", (await GetAsync(server, "Forwarded: host=public.example", "X-Forwarded-Host: other.example")).Headers);
        Assert.Contains("host: internal:8000", (await GetAsync(server, "X-Forwarded-Host: bad host")).Headers);
    }

    [Fact]
    public async Task ForwardedPrefix_goes_in_front_of_root_path_and_path()
    {
        var off = await GetAsync(_server, "X-Forwarded-Prefix: /api", "X-Forwarded-Proto: https");
        Assert.Equal(("https", "", "/items", "/items"), (off.Scheme, off.RootPath, off.Path, off.RawPath));

        await using var server = await StartAsync(o => o.ForwardedPrefix = true);
        var on = await GetAsync(server, "X-Forwarded-Prefix: /api/");
        Assert.Equal(("/api", "/api/items", "/api/items"), (on.RootPath, on.Path, on.RawPath));
        Assert.Contains("x-forwarded-prefix: /api/", on.Headers);
        var bad = await GetAsync(server, "X-Forwarded-Prefix: /a/../b", "X-Forwarded-Proto: https");
        Assert.Equal(("https", "", "/items"), (bad.Scheme, bad.RootPath, bad.Path));
    }

    [Fact]
    public async Task An_untrusted_peer_changes_nothing_but_its_headers_reach_the_app()
    {
        string[] headers =
        [
            "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https", "X-Forwarded-Host: public.example",
            "X-Forwarded-Prefix: /api", "Forwarded: for=198.51.100.9;proto=https",
        ];
        var options = (AsgiServerOptions o) =>
        {
            o.ForwardedHost = true;
            o.ForwardedPrefix = true;
        };

        await using var trustedServer = await StartAsync(options);
        var trusted = await GetAsync(trustedServer, headers);
        Assert.Equal((("198.51.100.9", (int?)0), "https", "/api"), (trusted.Client, trusted.Scheme, trusted.RootPath));

        await using var untrustedServer = await StartAsync(o =>
        {
            options(o);
            o.ForwardedAllowIps = "10.0.0.1";
        });
        var untrusted = await GetAsync(untrustedServer, headers);
        Assert.True(untrusted.KeptPeer, $"client {untrusted.Client}");
        Assert.Equal(("http", "", "/items"), (untrusted.Scheme, untrusted.RootPath, untrusted.Path));
        Assert.Equal(
            ["host: internal:8000", .. headers.Select(h => h[..h.IndexOf(':', StringComparison.Ordinal)].ToLowerInvariant() + h[h.IndexOf(':', StringComparison.Ordinal)..]), "connection: close"],
            untrusted.Headers);
    }

    [Fact]
    public async Task ProxyHeaders_off_ignores_every_forwarding_header()
    {
        Assert.Equal(("203.0.113.7", 0), (await GetAsync(_server, "X-Forwarded-For: 203.0.113.7")).Client);

        await using var server = await StartAsync(o => o.ProxyHeaders = false);
        var seen = await GetAsync(server, "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https", "Forwarded: for=198.51.100.9");
        Assert.True(seen.KeptPeer, $"client {seen.Client}");
        Assert.Equal("http", seen.Scheme);
    }

    [Fact]
    public async Task Underscore_names_are_not_forwarding_headers()
    {
        var seen = await GetAsync(_server, "X-Forwarded-For: 203.0.113.7", "X_Forwarded_For: 6.6.6.6", "X_Forwarded_Proto: https", "Forwarded_For: 6.6.6.6");
        Assert.Equal(("203.0.113.7", 0), seen.Client);
        Assert.Equal("http", seen.Scheme);
        Assert.Contains("x_forwarded_for: 6.6.6.6", seen.Headers);
    }
}
