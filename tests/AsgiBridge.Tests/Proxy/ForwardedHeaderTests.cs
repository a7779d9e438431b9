using static AsgiBridge.Tests.Proxy.ForwardedHarness;

namespace AsgiBridge.Tests.Proxy;

/// <summary>RFC 7239 Forwarded: the syntax, the walk over its elements, and its precedence over X-Forwarded-*.</summary>
public sealed class ForwardedHeaderTests
{
    [Theory]
    [InlineData("for=203.0.113.7", "203.0.113.7", 0)]
    [InlineData("for=\"203.0.113.7:8443\"", "203.0.113.7", 8443)]
    [InlineData("for=\"[2001:db8::7]\"", "2001:db8::7", 0)]
    [InlineData("for=\"[2001:db8::7]:443\"", "2001:db8::7", 443)]
    [InlineData("for=\"203.0.113.7:_port\"", "203.0.113.7", 0)]
    [InlineData("For=203.0.113.7", "203.0.113.7", 0)]
    [InlineData("FOR=\"203.0.113.7\"", "203.0.113.7", 0)]
    [InlineData("for=\"203.0.113.\\7\"", "203.0.113.7", 0)] // a quoted-pair
    [InlineData("by=10.0.0.2;for=203.0.113.7;ext=x", "203.0.113.7", 0)]
    [InlineData("for=203.0.113.7 ; proto=http", "203.0.113.7", 0)]
    [InlineData("for=203.0.113.7;;", "203.0.113.7", 0)]
    [InlineData("for=203.0.113.7;note=\"a, b; c=\\\"d\\\"\"", "203.0.113.7", 0)] // , ; = and escaped quotes inside a quoted-string
    public void The_for_parameter_names_the_client(string value, string address, int port) =>
        Assert.Equal(Client(address, port), Resolve($"Forwarded: {value}").Client);

    [Theory]
    [InlineData("for=unknown;proto=https")]
    [InlineData("for=\"unknown:8080\";proto=https")]
    [InlineData("for=_hidden;proto=https")]
    [InlineData("for=\"_hidden:_port\";proto=https")]
    [InlineData("proto=https")]
    public void Unknown_obfuscated_and_missing_nodes_keep_the_peer_but_give_their_proto(string value)
    {
        var outcome = Resolve($"Forwarded: {value}", "X-Forwarded-Proto: https");
        Assert.Null(outcome.Client);
        Assert.True(outcome.Secure);
    }

    [Fact]
    public void Elements_of_all_lines_are_walked_right_to_left()
    {
        Assert.Equal(Client("203.0.113.7"), Resolve("Forwarded: for=6.6.6.6, for=203.0.113.7, for=10.0.0.2;proto=http").Client);
        Assert.Equal(Client("203.0.113.7"), Resolve("Forwarded: for=6.6.6.6", "Forwarded: for=203.0.113.7", "Forwarded: for=10.0.0.2").Client);
        Assert.Equal(Client("10.0.0.3"), Resolve("Forwarded: for=10.0.0.3, for=\"[::1]\"").Client);
        Assert.Equal(Client("203.0.113.7"), Resolve("Forwarded: ,for=203.0.113.7,, for=10.0.0.2 ,").Client);
    }

    [Fact]
    public void Proto_and_host_come_from_the_chosen_element()
    {
        var outcome = Resolve("Forwarded: for=203.0.113.7;proto=https;host=public.example, for=10.0.0.2;proto=http;host=internal.example");
        Assert.Equal(new ForwardedOutcome(Client("203.0.113.7"), true, "public.example", null), outcome);
        Assert.False(Resolve("Forwarded: for=203.0.113.7;proto=WS").Secure);
        Assert.Equal("example.com:8443", Resolve("Forwarded: for=203.0.113.7;host=\"exa\\mple.com:8443\"").Host);
        Assert.Null(Resolve("Forwarded: for=203.0.113.7;proto=ftp").Secure);
        Assert.Null(Resolve("Forwarded: for=203.0.113.7;host=\"a b\"").Host);
        Assert.Null(Resolve("Forwarded: for=203.0.113.7;host=\"\"").Host);
        Assert.Null(Resolve(Proxies, host: false, prefix: false, "Forwarded: for=203.0.113.7;host=public.example").Host);
    }

    [Theory]
    [InlineData("for=203.0.113.7;for=198.51.100.1;proto=https")]
    [InlineData("for=203.0.113.7;FOR=198.51.100.1;proto=https")]
    [InlineData("for=203.0.113.7;proto=https;proto=https")]
    [InlineData("for=203.0.113.7;proto=https;by=a;by=b")]
    [InlineData("for=203.0.113.7;proto=https;x=1;X=2")]
    [InlineData("for=198.51.100.1, for=203.0.113.7;proto=https;proto=http")] // the right-most element is invalid
    [InlineData("for=\"2001:db8::7\";proto=https")] // IPv6 without brackets is not a node
    [InlineData("for=\"[fe80::1%eth0]\";proto=https")]
    [InlineData("for=\"203.0.113.7:65536\";proto=https")]
    [InlineData("for=garbage;proto=https")]
    [InlineData("for=\"\";proto=https")]
    public void An_invalid_element_stops_the_walk_and_gives_nothing(string value)
    {
        // The header parses, so it still wins: X-Forwarded-For is ignored.
        var outcome = Resolve($"Forwarded: {value}", "X-Forwarded-For: 192.0.2.1");
        Assert.Equal(ForwardedOutcome.Unchanged, outcome);
    }

    [Fact]
    public void Forwarded_wins_over_X_Forwarded_when_it_parses()
    {
        var outcome = Resolve("X-Forwarded-For: 192.0.2.1", "Forwarded: for=203.0.113.7", "X-Forwarded-Proto: https", "X-Forwarded-Host: xfh.example");
        Assert.Equal(new ForwardedOutcome(Client("203.0.113.7"), null, null, null), outcome);
        Assert.Equal(ForwardedOutcome.Unchanged, Resolve("Forwarded: for=unknown", "X-Forwarded-For: 192.0.2.1"));

        // X-Forwarded-Prefix has no Forwarded counterpart: it applies either way.
        Assert.Equal("/api", Resolve("Forwarded: for=203.0.113.7", "X-Forwarded-Prefix: /api").Prefix);
    }

    [Theory]
    [InlineData("for=\"203.0.113.7")]
    [InlineData("for=[2001:db8::7]")]
    [InlineData("for=2001:db8::7")]
    [InlineData("for = 203.0.113.7")]
    [InlineData("for= 203.0.113.7")]
    [InlineData("for=203.0.113.7 proto=https")]
    [InlineData("for=203.0.113.7;proto")]
    [InlineData("for=")]
    [InlineData("=203.0.113.7")]
    [InlineData("\"for\"=203.0.113.7")]
    [InlineData("for=\"203.0.113.7\"x")]
    [InlineData("for=\"203.0.113.7\\")]
    [InlineData("for=203.0.113.7, for=\"unterminated")]
    [InlineData("")]
    [InlineData(", ,")]
    public void A_Forwarded_header_that_does_not_parse_is_ignored_for_X_Forwarded(string value) =>
        Assert.Equal(Client("192.0.2.1"), Resolve($"Forwarded: {value}", "X-Forwarded-For: 192.0.2.1").Client);

    [Fact]
    public void One_bad_line_rejects_the_whole_header() =>
        Assert.Equal(Client("192.0.2.1"), Resolve("Forwarded: for=203.0.113.7", "Forwarded: for=\"x", "X-Forwarded-For: 192.0.2.1").Client);

    [Fact]
    public void At_most_64_elements_are_examined()
    {
        var trusted = string.Join(", ", Enumerable.Repeat("for=10.0.0.2", 63));
        Assert.Equal(Client("203.0.113.7"), Resolve($"Forwarded: for=203.0.113.7, {trusted}").Client);
        Assert.Equal(Client("10.0.0.3"), Resolve($"Forwarded: for=10.0.0.3, {trusted}").Client);
        Assert.Equal(ForwardedOutcome.Unchanged, Resolve($"Forwarded: for=203.0.113.7, for=10.0.0.2, {trusted}"));
        Assert.Equal(ForwardedOutcome.Unchanged, Resolve($"Forwarded: for=203.0.113.7;proto=https, {trusted}", $"Forwarded: {trusted}"));
    }
}
