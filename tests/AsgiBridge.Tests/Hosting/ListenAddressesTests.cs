using AsgiBridge.Host.Startup;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// The host checks every address of <c>urls</c> before binding: Kestrel would take a malformed one for a host name
/// and listen on every interface instead.
/// </summary>
public sealed class ListenAddressesTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8000")]
    [InlineData("HTTP://127.0.0.1:0")]
    [InlineData("https://127.0.0.1:65535")]
    [InlineData("http://0.0.0.0:80/")]
    [InlineData("http://[::1]:8000")]
    [InlineData("http://[::]:8000")]
    [InlineData("http://[fe80::1%2]:8000")]
    [InlineData("http://localhost:8000")]
    [InlineData("http://*:8000")]
    [InlineData("http://+:8000")]
    [InlineData("http://example.com:8000")]
    [InlineData("http://my-host:8000")]
    [InlineData("http://unix:/tmp/app.sock")]
    [InlineData("https://unix:/tmp/app.sock")]
    [InlineData(" http://127.0.0.1:8000 ; http://[::1]:8001 ;")]
    public void Well_formed_addresses_are_accepted(string urls)
    {
        Assert.True(ListenAddresses.TryParse(urls, out var addresses, out var error), error);
        Assert.All(addresses, a => Assert.Equal(a.Trim(), a));
    }

    [Theory]
    [InlineData("http://127.0.0.1:notaport", "port 'notaport'")]
    [InlineData("http://127.0.0.1:65536", "port '65536'")]
    [InlineData("http://127.0.0.1:-1", "port '-1'")]
    [InlineData("http://127.0.0.1:+80", "port '+80'")]
    [InlineData("http://127.0.0.1:", "port ''")]
    [InlineData("http://127.0.0.1", "a port is required")]
    [InlineData("https://localhost", "a port is required")]
    [InlineData("ftp://x", "scheme")]
    [InlineData("127.0.0.1:8000", "scheme")]
    [InlineData("ws://127.0.0.1:8000", "scheme")]
    [InlineData("http://999.1.1.1:8000", "'999.1.1.1' is not an IPv4 address")]
    [InlineData("http://127.0.0.1.5:8000", "is not an IPv4 address")]
    [InlineData("http://127.1:8000", "is not an IPv4 address")]
    [InlineData("http://0x7f.0.0.1:8000", "is not an IPv4 address")]
    [InlineData("http://bad_host:8000", "not an IP address or a host name")]
    [InlineData("http://-x:8000", "not an IP address or a host name")]
    [InlineData("http://a..b:8000", "not an IP address or a host name")]
    [InlineData("http://::1:8000", "brackets")]
    [InlineData("http://[::1:8000", "closing ']'")]
    [InlineData("http://[1.2.3.4]:8000", "not an IPv6 address")]
    [InlineData("http://[::1]8000", "after '[::1]'")]
    [InlineData("http://:8000", "host is missing")]
    [InlineData("http://127.0.0.1:8000/api", "nothing may follow the port")]
    [InlineData("http://127.0.0.1:8000?x", "nothing may follow the port")]
    [InlineData("http://unix:relative.sock", "must be absolute")]
    [InlineData("http://unix:/tmp/", "must name a file")]
    [InlineData("http://unix:/tmp/a:b.sock", "cannot contain ':'")]
    [InlineData("http://unix:/no-such-directory-asgibridge/app.sock", "'/no-such-directory-asgibridge' does not exist")]
    [InlineData(";", "no address")]
    public void A_malformed_address_is_refused_with_the_reason(string urls, string reason)
    {
        Assert.False(ListenAddresses.TryParse(urls, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_bad_address_of_several_is_named()
    {
        Assert.False(ListenAddresses.TryParse("http://127.0.0.1:1;http://127.0.0.1:x;ftp://y", out _, out var error));
        Assert.StartsWith("Invalid address 'http://127.0.0.1:x' in urls:", error, StringComparison.Ordinal);
    }
}
