using System.Net;
using System.Net.Sockets;
using AsgiBridge.Proxy;

namespace AsgiBridge.Tests.Proxy;

public sealed class ForwardedAllowListTests
{
    [Theory]
    [InlineData("127.0.0.1,::1", "127.0.0.1", true)]
    [InlineData("127.0.0.1,::1", "::1", true)]
    [InlineData("127.0.0.1,::1", "::ffff:127.0.0.1", true)]
    [InlineData("127.0.0.1,::1", "127.0.0.2", false)]
    [InlineData("127.0.0.1,::1", "10.0.0.1", false)]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.0/25", "192.168.1.127", true)]
    [InlineData("192.168.1.0/25", "192.168.1.128", false)]
    [InlineData("fd00::/8", "fd12:3456::1", true)]
    [InlineData("fd00::/8", "fe80::1", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("::ffff:10.0.0.1", "10.0.0.1", true)]
    [InlineData("*", "203.0.113.9", true)]
    [InlineData(" 127.0.0.1 , 10.1.2.3 ", "10.1.2.3", true)]
    [InlineData("", "127.0.0.1", false)]
    public void Addresses_are_matched_against_addresses_and_ranges(string list, string address, bool trusted) =>
        Assert.Equal(trusted, ForwardedAllowList.Parse(list).IsTrusted(IPAddress.Parse(address)));

    [Fact]
    public void Unix_socket_peers_are_trusted_only_with_unix_or_star()
    {
        var peer = new UnixDomainSocketEndPoint("/tmp/x.sock");
        Assert.False(ForwardedAllowList.Parse(ForwardedAllowList.Default).IsTrusted(peer));
        Assert.True(ForwardedAllowList.Parse("unix").IsTrusted(peer));
        Assert.True(ForwardedAllowList.Parse("*").IsTrusted(peer));
        Assert.False(ForwardedAllowList.Parse("unix").IsTrusted(new IPEndPoint(IPAddress.Loopback, 1)));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("10.0.0.0/33")]
    [InlineData("::1/129")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("1")]
    [InlineData("10.1")]
    [InlineData("127.0.0.1,nope")]
    [InlineData("**")]
    public void Invalid_entries_are_rejected_with_the_entry_named(string list)
    {
        var error = Assert.Throws<FormatException>(() => ForwardedAllowList.Parse(list));
        Assert.Contains('\'', error.Message);
    }
}
