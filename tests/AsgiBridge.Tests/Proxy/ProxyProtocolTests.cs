using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using static AsgiBridge.Tests.Proxy.ProxyHeaderBytes;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// PROXY protocol headers sent as raw bytes to a live host over TCP and a unix socket: the app sees the header's
/// source and destination; LOCAL and UNKNOWN keep the real peer; untrusted peers, malformed or missing headers and
/// headers not complete in time close the connection with nothing sent, nothing reaching the app, a debug log line
/// and a counted rejection.
/// </summary>
public sealed class ProxyProtocolTests
{
    private static readonly byte[] s_request = "GET /pp HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray();
    private static readonly IPEndPoint s_client = new(IPAddress.Parse("203.0.113.7"), 40000);
    private static readonly IPEndPoint s_frontend = new(IPAddress.Parse("198.51.100.1"), 8443);

    private static byte[] Header(string version) => version == "v1"
        ? V1("PROXY TCP4 203.0.113.7 198.51.100.1 40000 8443\r\n")
        : V2Proxy(s_client, s_frontend);

    private static Task<ProxyProtocolHost> StartAsync(AsgiProxyProtocol protocol, string allow = "127.0.0.1,::1,unix", double headerTimeout = 30) =>
        ProxyProtocolHost.StartAsync(options =>
        {
            options.ProxyProtocol = protocol;
            options.ForwardedAllowIps = allow;
            options.TimeoutRequestHeaders = TimeSpan.FromSeconds(headerTimeout);
        });

    private static async Task AssertClosedWithNothingSentAsync(RawClient client)
    {
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "the server did not close the connection");
        Assert.Equal("", await client.ReadToEndAsync(TimeSpan.FromSeconds(1)));
    }

    private static async Task AssertRejectedAsync(ProxyProtocolHost host, long rejections, string reason)
    {
        // The log line and the count come before the close, which the caller has already seen.
        Assert.Equal(0, host.AppCalls);
        Assert.Equal(rejections, host.Rejections);
        Assert.Contains(host.Logs.Entries, e => e.Level == LogLevel.Debug && e.Category == "AsgiBridge.ProxyProtocol" && e.Message.Contains(reason, StringComparison.Ordinal));
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("v1", "tcp")]
    [InlineData("v2", "tcp")]
    [InlineData("v1", "unix")]
    [InlineData("v2", "unix")]
    public async Task The_app_sees_the_headers_source_and_destination_on_every_request_of_the_connection(string version, string transport)
    {
        await using var host = await StartAsync(version == "v1" ? AsgiProxyProtocol.V1 : AsgiProxyProtocol.V2);
        using var client = await RawClient.ConnectAsync(transport == "tcp" ? host.Tcp : host.Unix);
        var (clientSeen, serverSeen, _) = await ProxyProtocolHost.EchoAsync(client, Concat(Header(version), s_request));
        Assert.Equal("[\"203.0.113.7\",40000]", clientSeen.GetRawText());
        Assert.Equal("[\"198.51.100.1\",8443]", serverSeen.GetRawText());
        // The header is once per connection; the next request on it keeps the addresses.
        (clientSeen, _, _) = await ProxyProtocolHost.EchoAsync(client, s_request, index: 1);
        Assert.Equal("[\"203.0.113.7\",40000]", clientSeen.GetRawText());
        Assert.Equal(2, host.AppCalls);
        Assert.Equal(0, host.Rejections);
    }

    [Fact]
    public async Task An_IPv6_source_and_a_header_sent_one_byte_at_a_time_are_accepted()
    {
        await using var host = await StartAsync(AsgiProxyProtocol.V2);
        using var client = await RawClient.ConnectAsync(host.Tcp);
        var header = V2Proxy(new IPEndPoint(IPAddress.Parse("2001:db8::5"), 1234), new IPEndPoint(IPAddress.Parse("2001:db8::1"), 443), Concat(Tlv(0xEA, 23), Tlv(0x04, 10)));
        await client.SendInPiecesAsync(header, 1);
        var (clientSeen, serverSeen, _) = await ProxyProtocolHost.EchoAsync(client, s_request);
        Assert.Equal("[\"2001:db8::5\",1234]", clientSeen.GetRawText());
        Assert.Equal("[\"2001:db8::1\",443]", serverSeen.GetRawText());
    }

    [Fact]
    public async Task V2_LOCAL_and_v1_UNKNOWN_keep_the_real_peer()
    {
        await using var host = await StartAsync(AsgiProxyProtocol.Auto);
        foreach (var header in new[] { V2Local(), V1("PROXY UNKNOWN\r\n"), V1("PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n"), V2(0x21, 0x00, new byte[12]) })
        {
            using var client = await RawClient.ConnectAsync(host.Tcp);
            var (clientSeen, serverSeen, _) = await ProxyProtocolHost.EchoAsync(client, Concat(header, s_request));
            Assert.Equal($"[\"127.0.0.1\",{((IPEndPoint)client.Socket.LocalEndPoint!).Port}]", clientSeen.GetRawText());
            Assert.Equal($"[\"127.0.0.1\",{host.Tcp.Port}]", serverSeen.GetRawText());

            using var unix = await RawClient.ConnectAsync(host.Unix);
            (clientSeen, serverSeen, _) = await ProxyProtocolHost.EchoAsync(unix, Concat(header, s_request));
            Assert.Equal(JsonValueKind.Null, clientSeen.ValueKind);
            Assert.Equal(host.UnixPath, serverSeen[0].GetString());
        }
    }

    [Fact]
    public async Task Auto_accepts_either_version_on_one_endpoint()
    {
        await using var host = await StartAsync(AsgiProxyProtocol.Auto);
        foreach (var version in new[] { "v1", "v2" })
        {
            using var client = await RawClient.ConnectAsync(host.Tcp);
            var (clientSeen, _, _) = await ProxyProtocolHost.EchoAsync(client, Concat(Header(version), s_request));
            Assert.Equal("[\"203.0.113.7\",40000]", clientSeen.GetRawText());
        }
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task A_peer_not_in_ForwardedAllowIps_is_closed_without_an_answer(string transport)
    {
        // 10.0.0.1 trusts neither the loopback peer nor (without "unix") a unix-socket peer.
        await using var host = await StartAsync(AsgiProxyProtocol.V1, allow: "10.0.0.1");
        using var client = await RawClient.ConnectAsync(transport == "tcp" ? host.Tcp : host.Unix);
        try
        {
            await client.SendAsync(Concat(Header("v1"), s_request));
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode is System.Net.Sockets.SocketError.Shutdown or System.Net.Sockets.SocketError.ConnectionReset)
        {
            // The peer is refused by its address, before anything is read: the close can beat the client's write
            // (EPIPE on a unix socket). That is the closing asserted below, not a failure.
        }

        await AssertClosedWithNothingSentAsync(client);
        await AssertRejectedAsync(host, 1, "not in Asgi:ForwardedAllowIps");
    }

    [Fact]
    public async Task A_unix_peer_is_trusted_with_star()
    {
        await using var host = await StartAsync(AsgiProxyProtocol.V2, allow: "*");
        using var client = await RawClient.ConnectAsync(host.Unix);
        var (clientSeen, _, _) = await ProxyProtocolHost.EchoAsync(client, Concat(Header("v2"), s_request));
        Assert.Equal("[\"203.0.113.7\",40000]", clientSeen.GetRawText());
    }

    public static TheoryData<string, string, byte[], string> Malformed => new()
    {
        { "v2", "bad signature", Concat([0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B], new byte[16]), "does not start with a PROXY protocol header" },
        { "v2", "version 1", V2(0x11, 0x11, new byte[12]), "the version is not 2" },
        { "v2", "length over 536", V2(0x21, 0x11, new byte[12], declaredLength: 537), "more than 536 bytes" },
        { "v2", "unknown family", V2(0x21, 0x51, new byte[12]), "unknown address family" },
        { "v2", "TLV past the end", V2(0x21, 0x11, Concat(new byte[12], [0x01, 0x00, 0x05])), "a TLV runs past the end" },
        { "v2", "a v1 header", Header("v1"), "does not start with a PROXY protocol header" },
        { "v1", "too long", V1("PROXY TCP6 " + new string('1', 120) + "\r\n"), "no CRLF within 107 bytes" },
        { "v1", "missing CR", V1("PROXY TCP4 203.0.113.7 198.51.100.1 40000 8443\n"), "bare LF" },
        { "v1", "port with a leading zero", V1("PROXY TCP4 203.0.113.7 198.51.100.1 040000 8443\r\n"), "a port is not" },
        { "v1", "port over 65535", V1("PROXY TCP4 203.0.113.7 198.51.100.1 65536 8443\r\n"), "a port is not" },
        { "v1", "IPv6 under TCP4", V1("PROXY TCP4 ::1 198.51.100.1 1 2\r\n"), "canonical address" },
        { "v1", "two spaces", V1("PROXY TCP4 203.0.113.7  198.51.100.1 1 2\r\n"), "single spaces" },
        { "v1", "HTTP without a header", [], "does not start with a PROXY protocol header" },
        { "auto", "HTTP without a header", [], "does not start with a PROXY protocol header" },
        { "auto", "TLS without a header", [0x16, 0x03, 0x01, 0x00, 0x05], "does not start with a PROXY protocol header" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_or_missing_header_closes_the_connection_with_nothing_sent(string protocol, string shape, byte[] header, string reason)
    {
        await using var host = await StartAsync(Enum.Parse<AsgiProxyProtocol>(protocol, ignoreCase: true));
        foreach (var endPoint in new EndPoint[] { host.Tcp, host.Unix })
        {
            using var client = await RawClient.ConnectAsync(endPoint);
            await client.SendAsync(Concat(header, s_request));
            await AssertClosedWithNothingSentAsync(client);
        }

        Assert.True(host.Rejections == 2, shape);
        await AssertRejectedAsync(host, 2, reason);
    }

    [Fact]
    public async Task A_header_not_complete_within_the_request_header_timeout_closes_the_connection()
    {
        await using var host = await StartAsync(AsgiProxyProtocol.V2, headerTimeout: 1);
        using var client = await RawClient.ConnectAsync(host.Tcp);
        var started = DateTime.UtcNow;
        await client.SendAsync(Header("v2")[..20]);
        await AssertClosedWithNothingSentAsync(client);
        Assert.True(DateTime.UtcNow - started > TimeSpan.FromSeconds(0.8), "closed before the timeout");
        await AssertRejectedAsync(host, 1, "not complete within Asgi:TimeoutRequestHeaders");
    }

    [Fact]
    public async Task A_header_cut_short_by_the_peer_is_counted_but_an_empty_connection_is_not()
    {
        await using var host = await StartAsync(AsgiProxyProtocol.V1);
        using (var empty = await RawClient.ConnectAsync(host.Tcp))
        {
            empty.ShutdownSend();
            await AssertClosedWithNothingSentAsync(empty);
        }

        Assert.Equal(0, host.Rejections);
        using var client = await RawClient.ConnectAsync(host.Tcp);
        await client.SendAsync(V1("PROXY TCP4 203.0.113.7"));
        client.ShutdownSend();
        await AssertClosedWithNothingSentAsync(client);
        await AssertRejectedAsync(host, 1, "stopped sending before the header was complete");
    }

    [Fact]
    public async Task An_endpoint_setting_overrides_the_host_setting()
    {
        // The host default is off; the TCP endpoint expects v2, the unix socket keeps plain HTTP.
        await using var host = await ProxyProtocolHost.StartAsync(
            options => options.ForwardedAllowIps = "127.0.0.1",
            tcp: listen => listen.WithProxyProtocol(AsgiProxyProtocol.V2));
        using (var client = await RawClient.ConnectAsync(host.Tcp))
        {
            var (clientSeen, _, _) = await ProxyProtocolHost.EchoAsync(client, Concat(Header("v2"), s_request));
            Assert.Equal("[\"203.0.113.7\",40000]", clientSeen.GetRawText());
        }

        using (var plain = await RawClient.ConnectAsync(host.Tcp))
        {
            await plain.SendAsync(s_request);
            await AssertClosedWithNothingSentAsync(plain);
        }

        using var unix = await RawClient.ConnectAsync(host.Unix);
        var (unixClient, _, _) = await ProxyProtocolHost.EchoAsync(unix, s_request);
        Assert.Equal(JsonValueKind.Null, unixClient.ValueKind);
    }

    [Fact]
    public async Task Off_reads_no_header_so_a_PROXY_line_is_a_bad_request()
    {
        await using var host = await ProxyProtocolHost.StartAsync(
            options => options.ProxyProtocol = AsgiProxyProtocol.V1,
            tcp: listen => listen.WithProxyProtocol(AsgiProxyProtocol.Off));
        using var client = await RawClient.ConnectAsync(host.Tcp);
        await client.SendAsync(Concat(Header("v1"), s_request));
        Assert.Equal(400, (await client.ReadResponseAsync()).Status);
        Assert.Equal(0, host.Rejections);
    }

    [Fact]
    public async Task The_header_is_read_before_TLS_whatever_the_order_of_the_calls()
    {
        using var certificate = TestCertificates.Create();
        await using var host = await ProxyProtocolHost.StartAsync(
            tcp: listen => listen.UseHttps(certificate).UseAsgi().WithProxyProtocol(AsgiProxyProtocol.V1));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(host.Tcp);
        await socket.SendAsync(Header("v1"));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false, (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, timeout.Token);
        await tls.WriteAsync("GET /tls HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"u8.ToArray(), timeout.Token);
        using var received = new MemoryStream();
        await tls.CopyToAsync(received, timeout.Token);
        var response = RawResponse.ParseAll(received.ToArray(), null, out _, atEof: true).Single();
        using var json = JsonDocument.Parse(response.BodyText);
        Assert.Equal("https", json.RootElement.GetProperty("scheme").GetString());
        Assert.Equal("[\"203.0.113.7\",40000]", json.RootElement.GetProperty("client").GetRawText());
    }

    [Fact]
    public async Task An_endpoint_expecting_a_header_without_AsgiBridge_on_the_host_fails_to_start()
    {
        // Without the host's registration there are no endpoint defaults to read the header in: refuse, rather than
        // serve the endpoint as if the header were not expected.
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseAsgi(TestApps.Respond(200, "x")).WithProxyProtocol(AsgiProxyProtocol.V2)));
        await using var host = builder.Build();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("PROXY protocol", error.Message, StringComparison.Ordinal);
    }
}
