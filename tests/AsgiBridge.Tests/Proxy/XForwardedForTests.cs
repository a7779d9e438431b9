using static AsgiBridge.Tests.Proxy.ForwardedHarness;

namespace AsgiBridge.Tests.Proxy;

/// <summary>The X-Forwarded-For walk: right to left, trusted proxies skipped, the first other hop is the client.</summary>
public sealed class XForwardedForTests
{
    [Fact]
    public void One_untrusted_entry_is_the_client_with_port_zero() =>
        Assert.Equal(Client("203.0.113.7"), Resolve("X-Forwarded-For: 203.0.113.7").Client);

    [Theory]
    [InlineData("203.0.113.7:8443", "203.0.113.7", 8443)]
    [InlineData("[2001:db8::7]:443", "2001:db8::7", 443)]
    [InlineData("[2001:db8::7]", "2001:db8::7", 0)]
    [InlineData("2001:db8::7", "2001:db8::7", 0)]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7", 0)]
    public void The_entry_gives_the_address_and_its_port(string entry, string address, int port) =>
        Assert.Equal(Client(address, port), Resolve($"X-Forwarded-For: {entry}").Client);

    [Theory]
    [InlineData("203.0.113.7, 10.0.0.2, 127.0.0.1", "203.0.113.7")]
    [InlineData("6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7")] // a spoofed entry left of the client is never reached
    [InlineData("203.0.113.7,10.0.0.2", "203.0.113.7")]
    [InlineData("203.0.113.7 ,\t10.0.0.2 ", "203.0.113.7")]
    [InlineData("203.0.113.7,, ,10.0.0.2,", "203.0.113.7")] // empty elements are not hops (RFC 9110 §5.6.1)
    [InlineData("203.0.113.7, ::ffff:10.0.0.2, ::1", "203.0.113.7")]
    public void Trusted_hops_are_skipped_from_the_right(string value, string client) =>
        Assert.Equal(Client(client), Resolve($"X-Forwarded-For: {value}").Client);

    [Fact]
    public void Several_lines_are_one_list_in_order()
    {
        Assert.Equal(Client("198.51.100.9"), Resolve("X-Forwarded-For: 203.0.113.7", "X-Forwarded-For: 198.51.100.9").Client);
        Assert.Equal(Client("203.0.113.7"), Resolve("X-Forwarded-For: 6.6.6.6, 203.0.113.7", "Accept: */*", "x-forwarded-for: 10.0.0.2, 10.0.0.3").Client);
    }

    [Fact]
    public void When_every_hop_is_trusted_the_left_most_is_the_client()
    {
        Assert.Equal(Client("10.0.0.3", 81), Resolve("X-Forwarded-For: 10.0.0.3:81, 10.0.0.2, 127.0.0.1").Client);
        Assert.Equal(Client("10.0.0.3"), Resolve("X-Forwarded-For: 10.0.0.3", "X-Forwarded-For: 10.0.0.2").Client);
    }

    [Theory]
    [InlineData("203.0.113.7, garbage, 10.0.0.2")]
    [InlineData("203.0.113.7, unknown")]
    [InlineData("203.0.113.7, _hidden")]
    [InlineData("203.0.113.7, 127.1")]
    [InlineData("203.0.113.7, 1.2.3.4:65536")]
    [InlineData("203.0.113.7, fe80::1%eth0")]
    [InlineData("203.0.113.7, [fe80::1%eth0]:80")]
    [InlineData("203.0.113.7 10.0.0.2")]
    [InlineData(",, ,")]
    public void An_entry_that_is_not_an_address_stops_the_walk_and_keeps_the_peer(string value)
    {
        // The X-Forwarded-Proto of the same trusted peer still counts: only the chain is abandoned.
        var outcome = Resolve($"X-Forwarded-For: {value}", "X-Forwarded-Proto: https");
        Assert.Null(outcome.Client);
        Assert.True(outcome.Secure);
    }

    [Fact]
    public void At_most_64_hops_are_examined()
    {
        var trusted = string.Join(", ", Enumerable.Repeat("10.0.0.2", 63));
        Assert.Equal(Client("203.0.113.7"), Resolve($"X-Forwarded-For: 203.0.113.7, {trusted}").Client);
        Assert.Equal(Client("10.0.0.2"), Resolve($"X-Forwarded-For: 10.0.0.2, {trusted}").Client);

        // A 65th hop would have to be examined: the peer is kept.
        Assert.Null(Resolve($"X-Forwarded-For: 203.0.113.7, 10.0.0.2, {trusted}", "X-Forwarded-Proto: https").Client);
        Assert.Null(Resolve($"X-Forwarded-For: 203.0.113.7, {trusted}", $"X-Forwarded-For: {trusted}").Client);
    }

    [Fact]
    public void Names_are_matched_exactly_in_any_case()
    {
        Assert.Equal(Client("203.0.113.7"), Resolve("x-FORWARDED-for: 203.0.113.7").Client);
        Assert.Equal(ForwardedOutcome.Unchanged, Resolve("X_Forwarded_For: 203.0.113.7", "X-Forwarded_Proto: https", "Forwarded_: for=1.2.3.4"));
        Assert.Equal(ForwardedOutcome.Unchanged, Resolve("X-Forwarded-For-Extra: 203.0.113.7", "X-Forwarded: for=1.2.3.4"));
        Assert.Equal(ForwardedOutcome.Unchanged, Resolve("X-Forwarded-For-And-A-Name-Of-41-Bytes-XY: 203.0.113.7", "Forwardedx: for=1.2.3.4"));
        Assert.Equal(Client("203.0.113.7"), Resolve("X-Forwarded-For-And-A-Name-Of-41-Bytes-XY: 1.2.3.4", "Forwarded: for=203.0.113.7").Client);
    }

    [Fact]
    public void The_allow_list_decides_which_hops_are_proxies()
    {
        Assert.Equal(Client("10.0.0.2"), Resolve("127.0.0.1", host: false, prefix: false, "X-Forwarded-For: 203.0.113.7, 10.0.0.2").Client);
        Assert.Equal(Client("203.0.113.7"), Resolve("*", host: false, prefix: false, "X-Forwarded-For: 203.0.113.7, 10.0.0.2").Client);
    }

    [Theory]
    [InlineData("https", true)]
    [InlineData("HTTPS", true)]
    [InlineData("wss", true)]
    [InlineData("http", false)]
    [InlineData("Ws", false)]
    [InlineData("ftp", null)]
    [InlineData("https;x", null)]
    [InlineData("", null)]
    public void X_Forwarded_Proto_accepts_http_https_ws_and_wss(string proto, bool? secure) =>
        Assert.Equal(secure, Resolve($"X-Forwarded-Proto: {proto}").Secure);

    [Theory]
    [InlineData("X-Forwarded-For: 203.0.113.7, 10.0.0.2", "X-Forwarded-Proto: https, http", true)] // paired with the client's hop
    [InlineData("X-Forwarded-For: 6.6.6.6, 203.0.113.7, 10.0.0.2", "X-Forwarded-Proto: http, https, http", true)]
    [InlineData("X-Forwarded-For: 10.0.0.3, 10.0.0.2", "X-Forwarded-Proto: https, http", true)] // all trusted: the left-most
    [InlineData("X-Forwarded-For: 203.0.113.7, 10.0.0.2", "X-Forwarded-Proto: https", true)] // counts differ: the right-most
    [InlineData("X-Forwarded-For: 203.0.113.7, 10.0.0.2", "X-Forwarded-Proto: https, http, http", false)]
    [InlineData("X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: http, https", true)]
    [InlineData("X-Forwarded-Ssl: on", "X-Forwarded-Proto: https", true)] // no X-Forwarded-For: the right-most
    public void X_Forwarded_Proto_is_paired_with_the_hop_when_the_counts_match(string forwardedFor, string proto, bool secure) =>
        Assert.Equal(secure, Resolve(forwardedFor, proto).Secure);

    [Fact]
    public void X_Forwarded_Proto_lines_are_joined_too() =>
        Assert.True(Resolve("X-Forwarded-For: 203.0.113.7, 10.0.0.2", "X-Forwarded-Proto: https", "X-Forwarded-Proto: http").Secure);

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("example.com:8443", "example.com:8443")]
    [InlineData("[2001:db8::1]:443", "[2001:db8::1]:443")]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("original.example, proxy.internal", "proxy.internal")]
    [InlineData("exa mple.com", null)]
    [InlineData("a/b", null)]
    [InlineData("user@example.com", null)]
    [InlineData("example.com:80x", null)]
    [InlineData("[2001:db8::1", null)]
    public void X_Forwarded_Host_must_be_a_valid_host(string value, string? host) =>
        Assert.Equal(host, Resolve($"X-Forwarded-Host: {value}").Host);

    [Fact]
    public void X_Forwarded_Host_is_paired_like_the_proto_and_needs_ForwardedHost()
    {
        Assert.Equal("public.example", Resolve("X-Forwarded-For: 203.0.113.7, 10.0.0.2", "X-Forwarded-Host: public.example, internal.example").Host);
        Assert.Equal(ForwardedOutcome.Unchanged, Resolve(Proxies, host: false, prefix: true, "X-Forwarded-Host: public.example"));
    }

    [Theory]
    [InlineData("/api", "/api")]
    [InlineData("/api/", "/api")]
    [InlineData("/a/b.c/~d", "/a/b.c/~d")]
    [InlineData("/caf%C3%A9", "/caf%C3%A9")]
    [InlineData("/", null)]
    [InlineData("api", null)]
    [InlineData("", null)]
    [InlineData("/a/../b", null)]
    [InlineData("/..", null)]
    [InlineData("/a/.", null)]
    [InlineData("/a/%2e%2E/b", null)]
    [InlineData("/a%2Fb", null)]
    [InlineData("/a%0Ab", null)]
    [InlineData("/a%5cb", null)]
    [InlineData("/a%zz", null)]
    [InlineData("/a%2", null)]
    [InlineData("//evil.example", null)]
    [InlineData("/a//b", null)]
    [InlineData("/a\\b", null)]
    [InlineData("/a b", null)]
    [InlineData("/a?b", null)]
    [InlineData("/a#b", null)]
    [InlineData("/caf\u00e9", null)]
    public void X_Forwarded_Prefix_must_be_a_clean_absolute_path(string value, string? prefix) =>
        Assert.Equal(prefix, Resolve($"X-Forwarded-Prefix: {value}").Prefix);

    [Fact]
    public void X_Forwarded_Prefix_needs_ForwardedPrefix_and_one_line()
    {
        Assert.Equal(ForwardedOutcome.Unchanged, Resolve(Proxies, host: true, prefix: false, "X-Forwarded-Prefix: /api"));
        Assert.Equal(ForwardedOutcome.Unchanged, Resolve("X-Forwarded-Prefix: /api", "X-Forwarded-Prefix: /other"));
    }
}
