using System.Buffers;
using System.Net;
using System.Text;
using AsgiBridge.Proxy;
using AsgiBridge.Tests.Http1;
using static AsgiBridge.Tests.Proxy.ProxyHeaderBytes;

namespace AsgiBridge.Tests.Proxy;

/// <summary>The PROXY protocol header parser on whole inputs: every accepted form and every malformed shape.</summary>
public sealed class ProxyProtocolParserTests
{
    private static readonly byte[] s_request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray();

    /// <summary>The outcome of one parse, comparable: status, header (as text), rejection and bytes consumed.</summary>
    internal readonly record struct Outcome(OperationStatus Status, string Header, ProxyProtocolRejection Rejection, long Consumed);

    internal static Outcome Parse(AsgiProxyProtocol protocol, ReadOnlySequence<byte> input)
    {
        var status = ProxyProtocolParser.TryParse(protocol, input, out var consumed, out var examined, out var header, out var rejection);
        if (status == OperationStatus.NeedMoreData)
        {
            // Nothing consumed, everything examined: the next read waits for more.
            Assert.Equal(input.Start, consumed);
            Assert.Equal(input.End, examined);
        }

        var text = status == OperationStatus.Done ? $"v{header.Version} {header.Source?.ToString() ?? "-"} {header.Destination?.ToString() ?? "-"}" : "";
        return new Outcome(status, text, rejection, status == OperationStatus.Done ? input.Slice(0, consumed).Length : 0);
    }

    internal static Outcome Parse(AsgiProxyProtocol protocol, byte[] bytes) => Parse(protocol, new ReadOnlySequence<byte>(bytes));

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\n", "v1 192.0.2.10:56324 198.51.100.1:443")]
    [InlineData("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", "v1 0.0.0.0:0 255.255.255.255:65535")]
    [InlineData("PROXY TCP6 2001:db8::1 ::1 1 2\r\n", "v1 [2001:db8::1]:1 [::1]:2")]
    [InlineData("PROXY TCP6 FFFF:ffff:ffff:ffff:ffff:ffff:ffff:ffff 0:0:0:0:0:0:0:1 65535 65535\r\n", "v1 [ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535 [::1]:65535")]
    [InlineData("PROXY TCP6 ::ffff:10.1.2.3 ::ffff:127.0.0.1 40000 80\r\n", "v1 [::ffff:10.1.2.3]:40000 [::ffff:127.0.0.1]:80")]
    [InlineData("PROXY UNKNOWN\r\n", "v1 - -")]
    [InlineData("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n", "v1 - -")]
    [InlineData("PROXY UNKNOWN whatever \u0001 the sender wrote\r\n", "v1 - -")]
    public void V1_headers_are_accepted_and_end_at_their_CRLF(string line, string expected)
    {
        var header = V1(line);
        foreach (var protocol in new[] { AsgiProxyProtocol.V1, AsgiProxyProtocol.Auto })
        {
            var outcome = Parse(protocol, Concat(header, s_request));
            Assert.Equal(new Outcome(OperationStatus.Done, expected, ProxyProtocolRejection.None, header.Length), outcome);
        }
    }

    [Fact]
    public void The_longest_v1_line_is_107_bytes_and_one_more_is_too_long()
    {
        var longest = V1("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n");
        Assert.Equal(107, longest.Length);
        Assert.Equal(OperationStatus.Done, Parse(AsgiProxyProtocol.V1, longest).Status);
        var tooLong = V1("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655350\r\n");
        Assert.Equal(ProxyProtocolRejection.V1TooLong, Parse(AsgiProxyProtocol.V1, tooLong).Rejection);
        // Without a line end, 106 bytes may still become a line; 107 cannot.
        Assert.Equal(OperationStatus.NeedMoreData, Parse(AsgiProxyProtocol.V1, longest[..106]).Status);
        Assert.Equal(ProxyProtocolRejection.V1TooLong, Parse(AsgiProxyProtocol.V1, Concat(longest[..105], "xx"u8.ToArray())).Rejection);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", nameof(ProxyProtocolRejection.NotProxyProtocol))]
    [InlineData("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.NotProxyProtocol))]
    [InlineData("PROXY\r\n", nameof(ProxyProtocolRejection.NotProxyProtocol))]
    [InlineData("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1UnknownProtocol))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", nameof(ProxyProtocolRejection.V1BareLineFeed))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n", nameof(ProxyProtocolRejection.V1InvalidPort))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rGET / HTTP/1.1\r\n", nameof(ProxyProtocolRejection.V1InvalidFields))]
    [InlineData("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1UnknownProtocol))]
    [InlineData("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1UnknownProtocol))]
    [InlineData("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1UnknownProtocol))]
    [InlineData("PROXY UNKNOWNX\r\n", nameof(ProxyProtocolRejection.V1UnknownProtocol))]
    [InlineData("PROXY \r\n", nameof(ProxyProtocolRejection.V1UnknownProtocol))]
    [InlineData("PROXY TCP4\r\n", nameof(ProxyProtocolRejection.V1UnknownProtocol))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", nameof(ProxyProtocolRejection.V1InvalidFields))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", nameof(ProxyProtocolRejection.V1InvalidFields))]
    [InlineData("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidFields))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", nameof(ProxyProtocolRejection.V1InvalidFields))]
    [InlineData("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidFields))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.None))]
    [InlineData("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8. 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP4 1..3.4 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP4 1.2.3.4444 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP4 16909060 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP4 ::1 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP6 ::1 5.6.7.8 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP6 [::1] ::1 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP6 1::2::3 ::1 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP6 12345::1 ::1 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP6 g::1 ::1 1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidAddress))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", nameof(ProxyProtocolRejection.V1InvalidPort))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n", nameof(ProxyProtocolRejection.V1InvalidPort))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidPort))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", nameof(ProxyProtocolRejection.V1InvalidPort))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", nameof(ProxyProtocolRejection.V1InvalidPort))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 100000\r\n", nameof(ProxyProtocolRejection.V1InvalidPort))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 0x50 2\r\n", nameof(ProxyProtocolRejection.V1InvalidPort))]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2a\r\n", nameof(ProxyProtocolRejection.V1InvalidPort))]
    public void Malformed_v1_lines_are_rejected_with_their_reason(string line, string reason)
    {
        var expected = Enum.Parse<ProxyProtocolRejection>(reason);
        var outcome = Parse(AsgiProxyProtocol.V1, Concat(V1(line), s_request));
        Assert.Equal(expected, outcome.Rejection);
        Assert.Equal(expected == ProxyProtocolRejection.None ? OperationStatus.Done : OperationStatus.InvalidData, outcome.Status);
    }

    [Fact]
    public void V2_proxy_headers_give_the_source_and_destination_for_IPv4_and_IPv6()
    {
        var v4 = V2Proxy(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 56324), new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443));
        Assert.Equal(new Outcome(OperationStatus.Done, "v2 192.0.2.10:56324 198.51.100.1:443", ProxyProtocolRejection.None, 28), Parse(AsgiProxyProtocol.V2, Concat(v4, s_request)));
        var v6 = V2Proxy(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 1), new IPEndPoint(IPAddress.Parse("::1"), 65535));
        Assert.Equal(new Outcome(OperationStatus.Done, "v2 [2001:db8::7]:1 [::1]:65535", ProxyProtocolRejection.None, 52), Parse(AsgiProxyProtocol.Auto, Concat(v6, s_request)));
        var udp = V2Proxy(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5), new IPEndPoint(IPAddress.Parse("192.0.2.11"), 6), transport: 0x2);
        Assert.Equal("v2 192.0.2.10:5 192.0.2.11:6", Parse(AsgiProxyProtocol.V2, udp).Header);
    }

    [Fact]
    public void V2_TLVs_are_skipped_up_to_536_bytes_of_addresses_and_TLVs()
    {
        var source = new IPEndPoint(IPAddress.Parse("192.0.2.10"), 1000);
        var destination = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 80);
        // AWS NLB's TLV 0xEA (VPC endpoint), an ALPN TLV, then NOOP padding up to the limit: 12 + 524 = 536.
        var tlvs = Concat(Tlv(0xEA, 23), Tlv(0x01, 2), Tlv(0x04, 524 - 26 - 5 - 3));
        var header = V2Proxy(source, destination, tlvs);
        Assert.Equal(16 + 536, header.Length);
        Assert.Equal(new Outcome(OperationStatus.Done, "v2 192.0.2.10:1000 192.0.2.1:80", ProxyProtocolRejection.None, 552), Parse(AsgiProxyProtocol.V2, Concat(header, s_request)));

        var oneMore = V2Proxy(source, destination, Concat(tlvs, [0x04, 0, 0]));
        Assert.Equal(ProxyProtocolRejection.V2TooLong, Parse(AsgiProxyProtocol.V2, oneMore).Rejection);
    }

    [Fact]
    public void V2_LOCAL_UNSPEC_and_unix_keep_the_real_endpoints_and_skip_their_block()
    {
        Assert.Equal(new Outcome(OperationStatus.Done, "v2 - -", ProxyProtocolRejection.None, 16), Parse(AsgiProxyProtocol.V2, Concat(V2Local(), s_request)));
        // LOCAL must be skipped by its length whatever it carries, family byte included.
        Assert.Equal(new Outcome(OperationStatus.Done, "v2 - -", ProxyProtocolRejection.None, 16 + 12), Parse(AsgiProxyProtocol.V2, Concat(V2(0x20, 0xFF, new byte[12]), s_request)));
        Assert.Equal(new Outcome(OperationStatus.Done, "v2 - -", ProxyProtocolRejection.None, 16 + 5), Parse(AsgiProxyProtocol.V2, Concat(V2(0x21, 0x00, new byte[5]), s_request)));
        Assert.Equal(new Outcome(OperationStatus.Done, "v2 - -", ProxyProtocolRejection.None, 16 + 12), Parse(AsgiProxyProtocol.V2, Concat(V2(0x21, 0x10, new byte[12]), s_request)));
        Assert.Equal(new Outcome(OperationStatus.Done, "v2 - -", ProxyProtocolRejection.None, 16 + 216), Parse(AsgiProxyProtocol.V2, Concat(V2(0x21, 0x31, new byte[216]), s_request)));
        Assert.Equal(new Outcome(OperationStatus.Done, "v2 - -", ProxyProtocolRejection.None, 16 + 216 + 4), Parse(AsgiProxyProtocol.V2, Concat(V2(0x21, 0x32, Concat(new byte[216], Tlv(0x05, 1))), s_request)));
    }

    public static TheoryData<string, byte[], string> MalformedV2 => new()
    {
        { "bad signature", Concat([0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B], new byte[4]), nameof(ProxyProtocolRejection.NotProxyProtocol) },
        { "v1 on a v2 endpoint", V1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), nameof(ProxyProtocolRejection.NotProxyProtocol) },
        { "HTTP", "GET / HTTP/1.1\r\n"u8.ToArray(), nameof(ProxyProtocolRejection.NotProxyProtocol) },
        { "version 1", V2(0x11, 0x11, new byte[12]), nameof(ProxyProtocolRejection.V2InvalidVersion) },
        { "version 3", V2(0x31, 0x11, new byte[12]), nameof(ProxyProtocolRejection.V2InvalidVersion) },
        { "command 2", V2(0x22, 0x11, new byte[12]), nameof(ProxyProtocolRejection.V2InvalidCommand) },
        { "command 15", V2(0x2F, 0x11, new byte[12]), nameof(ProxyProtocolRejection.V2InvalidCommand) },
        { "family 4", V2(0x21, 0x41, new byte[12]), nameof(ProxyProtocolRejection.V2InvalidFamily) },
        { "transport 3", V2(0x21, 0x13, new byte[12]), nameof(ProxyProtocolRejection.V2InvalidFamily) },
        { "length 537", V2(0x21, 0x11, new byte[537]), nameof(ProxyProtocolRejection.V2TooLong) },
        { "length 65535 declared", V2(0x21, 0x11, new byte[12], declaredLength: 65535), nameof(ProxyProtocolRejection.V2TooLong) },
        { "IPv4 addresses cut short", V2(0x21, 0x11, new byte[11]), nameof(ProxyProtocolRejection.V2AddressesTruncated) },
        { "IPv6 addresses cut short", V2(0x21, 0x21, new byte[35]), nameof(ProxyProtocolRejection.V2AddressesTruncated) },
        { "unix addresses cut short", V2(0x21, 0x31, new byte[215]), nameof(ProxyProtocolRejection.V2AddressesTruncated) },
        { "a TLV header cut short", V2(0x21, 0x11, Concat(new byte[12], [0x04, 0x00])), nameof(ProxyProtocolRejection.V2InvalidTlv) },
        { "a TLV value past the end", V2(0x21, 0x11, Concat(new byte[12], [0x04, 0x00, 0x02, 0x00])), nameof(ProxyProtocolRejection.V2InvalidTlv) },
    };

    [Theory]
    [MemberData(nameof(MalformedV2))]
    public void Malformed_v2_headers_are_rejected_with_their_reason(string shape, byte[] header, string reason)
    {
        var expected = Enum.Parse<ProxyProtocolRejection>(reason);
        var outcome = Parse(AsgiProxyProtocol.V2, Concat(header, s_request));
        Assert.True(outcome.Status == OperationStatus.InvalidData, shape);
        Assert.Equal(expected, outcome.Rejection);
    }

    [Fact]
    public void Auto_picks_the_version_from_the_first_byte_and_rejects_anything_else()
    {
        Assert.Equal("v1 1.2.3.4:1 5.6.7.8:2", Parse(AsgiProxyProtocol.Auto, V1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n")).Header);
        Assert.Equal("v2 - -", Parse(AsgiProxyProtocol.Auto, V2Local()).Header);
        Assert.Equal(ProxyProtocolRejection.NotProxyProtocol, Parse(AsgiProxyProtocol.Auto, s_request).Rejection);
        Assert.Equal(ProxyProtocolRejection.NotProxyProtocol, Parse(AsgiProxyProtocol.Auto, [0x16, 0x03, 0x01]).Rejection); // a TLS ClientHello
        Assert.Equal(ProxyProtocolRejection.NotProxyProtocol, Parse(AsgiProxyProtocol.V1, V2Local()).Rejection);
    }

    [Fact]
    public void An_incomplete_header_needs_more_data_and_a_wrong_start_is_rejected_at_once()
    {
        var v1 = V1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
        var v2 = V2Proxy(new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2));
        for (var length = 0; length < v1.Length; length++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, Parse(AsgiProxyProtocol.Auto, v1[..length]).Status);
        }

        for (var length = 0; length < v2.Length; length++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, Parse(AsgiProxyProtocol.Auto, v2[..length]).Status);
        }

        // One wrong byte is enough: an HTTP client on a PROXY endpoint is not kept waiting.
        Assert.Equal(ProxyProtocolRejection.NotProxyProtocol, Parse(AsgiProxyProtocol.V1, "G"u8.ToArray()).Rejection);
        Assert.Equal(ProxyProtocolRejection.NotProxyProtocol, Parse(AsgiProxyProtocol.V2, "\r\n\r\nX"u8.ToArray()).Rejection);
    }

    [Fact]
    public void Parsing_allocates_nothing_but_the_resulting_endpoints()
    {
        static long Allocated(AsgiProxyProtocol protocol, ReadOnlySequence<byte> input)
        {
            ProxyProtocolParser.TryParse(protocol, input, out _, out _, out _, out _); // warm up
            var before = GC.GetAllocatedBytesForCurrentThread();
            ProxyProtocolParser.TryParse(protocol, input, out _, out _, out _, out _);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        var local = new ReadOnlySequence<byte>(Concat(V2Local(), s_request));
        var unknown = new ReadOnlySequence<byte>(V1("PROXY UNKNOWN\r\n"));
        var split = TestSequence.Create([V2Local().AsMemory(0, 5), V2Local().AsMemory(5)]);
        var partial = new ReadOnlySequence<byte>(V1("PROXY TCP6 2001:db8::1 "));
        var invalid = new ReadOnlySequence<byte>(V1("PROXY TCP6 2001:db8::1 ::1 1 99999\r\n"));
        Assert.Equal(0, Allocated(AsgiProxyProtocol.V2, local));
        Assert.Equal(0, Allocated(AsgiProxyProtocol.Auto, unknown));
        Assert.Equal(0, Allocated(AsgiProxyProtocol.V2, split));
        Assert.Equal(0, Allocated(AsgiProxyProtocol.V1, partial));
        var v1 = new ReadOnlySequence<byte>(V1("PROXY TCP6 2001:db8::1 ::1 1 2\r\n"));
        var v2 = new ReadOnlySequence<byte>(V2Proxy(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 1), new IPEndPoint(IPAddress.Parse("192.0.2.2"), 2)));
        // Two addresses and two endpoints, nothing else.
        var endpoints = Allocated(AsgiProxyProtocol.V1, v1);
        Assert.InRange(endpoints, 1, 4 * 64);
        Assert.InRange(Allocated(AsgiProxyProtocol.V2, v2), 1, 4 * 64);
        Assert.InRange(Allocated(AsgiProxyProtocol.V1, invalid), 0, endpoints);
    }

    [Fact]
    public void A_header_split_over_segments_is_parsed_like_the_whole()
    {
        var header = Concat(V2Proxy(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 7), new IPEndPoint(IPAddress.Parse("::1"), 8), Tlv(0x20, 40)), s_request);
        var pieces = header.Select(b => (ReadOnlyMemory<byte>)new[] { b }).ToArray();
        Assert.Equal(Parse(AsgiProxyProtocol.V2, header), Parse(AsgiProxyProtocol.V2, TestSequence.Create(pieces)));
        Assert.Equal(header.Length - s_request.Length, Parse(AsgiProxyProtocol.V2, TestSequence.Create(pieces)).Consumed);
        Assert.Equal(Encoding.Latin1.GetString(s_request), Encoding.Latin1.GetString(header[(int)Parse(AsgiProxyProtocol.V2, header).Consumed..]));
    }
}
