using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>Host = uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2–3.2.3).</summary>
public sealed class HostValidatorTests
{
    [Theory]
    [InlineData("")]
    [InlineData("example.com")]
    [InlineData("EXAMPLE.com")]
    [InlineData("example.com:8080")]
    [InlineData("example.com:")]
    [InlineData("example.com:0000080")]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:80")]
    [InlineData("a=b")]
    [InlineData("a,b")]
    [InlineData("!$&'()*+,;=")]
    [InlineData("-._~")]
    [InlineData("%41")]
    [InlineData("a%2Fb")]
    [InlineData("xn--caf-dma.example")]
    [InlineData("[::1]")]
    [InlineData("[::1]:443")]
    [InlineData("[2001:db8::7]")]
    [InlineData("[::ffff:192.0.2.1]")]
    [InlineData("[v1.fe80::a+en1]")]
    [InlineData(":80")]
    public void Valid_hosts(string host) => Assert.True(HostValidator.IsValid(ParserHarness.Bytes(host)), host);

    [Theory]
    [InlineData("a b")]
    [InlineData(" example.com")]
    [InlineData("user@example.com")]
    [InlineData("user:pass@example.com")]
    [InlineData("example.com:http")]
    [InlineData("example.com:80:80")]
    [InlineData("example.com:-1")]
    [InlineData("example.com: 80")]
    [InlineData("example.com/")]
    [InlineData("example.com?")]
    [InlineData("example.com#")]
    [InlineData("exa\"mple")]
    [InlineData("a\\b")]
    [InlineData("a<b>")]
    [InlineData("a%")]
    [InlineData("a%4")]
    [InlineData("a%4g")]
    [InlineData("%zz")]
    [InlineData("caf\u00e9")]
    [InlineData("a\u0000")]
    [InlineData("a\tb")]
    [InlineData("[")]
    [InlineData("[]")]
    [InlineData("[::1")]
    [InlineData("::1]")]
    [InlineData("[::1]x")]
    [InlineData("[::1]:x")]
    [InlineData("[::1]]")]
    [InlineData("[::1]:80:80")]
    [InlineData("[::1%25eth0]")]
    [InlineData("[::1/64]")]
    public void Invalid_hosts(string host) => Assert.False(HostValidator.IsValid(ParserHarness.Bytes(host)), host);

    [Theory(Skip = "BUG: IP-literal contents are only checked against a character class, so bracketed text that is neither an "
        + "IPv6address nor an IPvFuture (RFC 3986 §3.2.2) is accepted as a Host; shared/http1-rules.md requires that grammar.")]
    [InlineData("[hello]")]
    [InlineData("[:]")]
    [InlineData("[1.2.3.4]")]
    [InlineData("[!$&]")]
    [InlineData("[v1]")]
    public void Bracketed_host_that_is_neither_IPv6_nor_IPvFuture_is_invalid(string host) =>
        Assert.False(HostValidator.IsValid(ParserHarness.Bytes(host)), host);
}
