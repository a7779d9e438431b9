using System.Text;
using AsgiBridge.Proxy;

namespace AsgiBridge.Tests.Proxy;

/// <summary>The address forms of X-Forwarded-For entries and RFC 7239 nodes, held strictly: a trusted hop is skipped.</summary>
public sealed class ForwardedAddressTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7", 0)]
    [InlineData("203.0.113.7:8443", "203.0.113.7", 8443)]
    [InlineData("0.0.0.0:0", "0.0.0.0", 0)]
    [InlineData("255.255.255.255:65535", "255.255.255.255", 65535)]
    [InlineData("2001:db8::7", "2001:db8::7", 0)]
    [InlineData("2001:DB8:0:0:0:0:0:7", "2001:db8::7", 0)]
    [InlineData("[2001:db8::7]", "2001:db8::7", 0)]
    [InlineData("[2001:db8::7]:443", "2001:db8::7", 443)]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7", 0)]
    [InlineData("[::ffff:203.0.113.7]:80", "203.0.113.7", 80)]
    public void Entries_in_every_accepted_form_give_the_address_and_port(string entry, string address, int port)
    {
        Assert.True(ForwardedAddress.TryParseEntry(Encoding.ASCII.GetBytes(entry), out var parsed, out var parsedPort));
        Assert.Equal(address, ForwardedAddress.Format(parsed));
        Assert.Equal(port, parsedPort);
    }

    [Theory]
    [InlineData("")]
    [InlineData("unknown")]
    [InlineData("_hidden")]
    [InlineData("garbage")]
    [InlineData("example.com")]
    [InlineData("1.2.3")]
    [InlineData("127.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("01.2.3.4")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3.4:")]
    [InlineData("1.2.3.4:65536")]
    [InlineData("1.2.3.4:123456")]
    [InlineData("1.2.3.4:-1")]
    [InlineData("1.2.3.4:8o")]
    [InlineData("[1.2.3.4]")]
    [InlineData("[2001:db8::7")]
    [InlineData("[2001:db8::7]:")]
    [InlineData("[2001:db8::7]x")]
    [InlineData("[2001:db8::7]:65536")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[fe80::1%eth0]")]
    [InlineData("[fe80::1%25eth0]:80")]
    [InlineData("2001:db8::7:::")]
    [InlineData("::ffff:127.1")]
    [InlineData("1.2.3.4 5.6.7.8")]
    public void Anything_else_is_not_an_address(string entry) =>
        Assert.False(ForwardedAddress.TryParseEntry(Encoding.Latin1.GetBytes(entry), out _, out _));

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7", 0)]
    [InlineData("203.0.113.7:8443", "203.0.113.7", 8443)]
    [InlineData("203.0.113.7:_port", "203.0.113.7", 0)]
    [InlineData("[2001:db8::7]", "2001:db8::7", 0)]
    [InlineData("[2001:db8::7]:443", "2001:db8::7", 443)]
    [InlineData("[2001:db8::7]:_p-1", "2001:db8::7", 0)]
    public void Nodes_name_addresses(string node, string address, int port)
    {
        Assert.Equal(ForwardedAddress.NodeKind.Address, ForwardedAddress.ParseNode(Encoding.ASCII.GetBytes(node), out var parsed, out var parsedPort));
        Assert.Equal(address, ForwardedAddress.Format(parsed!));
        Assert.Equal(port, parsedPort);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("UNKNOWN")]
    [InlineData("unknown:80")]
    [InlineData("_hidden")]
    [InlineData("_a.b-c_d")]
    [InlineData("_hidden:_port")]
    public void Unknown_and_obfuscated_nodes_are_hidden_hops(string node) =>
        Assert.Equal(ForwardedAddress.NodeKind.Hidden, ForwardedAddress.ParseNode(Encoding.ASCII.GetBytes(node), out _, out _));

    [Theory]
    [InlineData("")]
    [InlineData("_")]
    [InlineData("_a/b")]
    [InlineData("garbage")]
    [InlineData("2001:db8::7")]
    [InlineData("[2001:db8::7")]
    [InlineData("[fe80::1%eth0]")]
    [InlineData("[1.2.3.4]")]
    [InlineData("1.2.3.4:")]
    [InlineData("1.2.3.4:99999")]
    [InlineData("1.2.3.4:_")]
    [InlineData("01.2.3.4")]
    [InlineData(":80")]
    public void Other_nodes_are_invalid(string node) =>
        Assert.Equal(ForwardedAddress.NodeKind.Invalid, ForwardedAddress.ParseNode(Encoding.ASCII.GetBytes(node), out _, out _));
}
