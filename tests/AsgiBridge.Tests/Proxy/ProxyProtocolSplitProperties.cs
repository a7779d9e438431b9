using System.Buffers;
using System.Net;
using AsgiBridge.Tests.Http1;
using CsCheck;
using static AsgiBridge.Tests.Proxy.ProxyHeaderBytes;
using static AsgiBridge.Tests.Proxy.ProxyProtocolParserTests;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// The PROXY protocol parser's answer depends only on the bytes, never on how they were split across reads: seed
/// headers of both versions, valid and invalid, with random mutations, are parsed whole, then as they would arrive in
/// random fragments (each read a new segment), and one byte at a time; the first decided answer must equal the whole's.
/// </summary>
public sealed class ProxyProtocolSplitProperties
{
    private const int Iterations = 400;

    private static readonly byte[] s_request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray();

    private static readonly byte[][] s_seeds =
    [
        V1("PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\n"),
        V1("PROXY TCP6 2001:db8::1 ::ffff:127.0.0.1 1 65535\r\n"),
        V1("PROXY UNKNOWN\r\n"),
        V1("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
        V1("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n"),
        V1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"),
        V1("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655351\r\n"),
        V2Proxy(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 56324), new IPEndPoint(IPAddress.Parse("198.51.100.1"), 443)),
        V2Proxy(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 1), new IPEndPoint(IPAddress.Parse("::1"), 2), Concat(Tlv(0xEA, 23), Tlv(0x04, 0))),
        V2Local(),
        V2Local(new byte[12]),
        V2(0x21, 0x31, new byte[216]),
        V2(0x21, 0x11, new byte[537]),
        V2(0x21, 0x11, Concat(new byte[12], [0x04, 0x00, 0x09])),
        s_request,
    ];

    private static readonly byte[] s_interesting = [0x0D, 0x0A, 0x20, 0x00, 0x21, 0x11, 0x2F, (byte)'.', (byte)':', (byte)'0', (byte)'P', 0xFF];

    private static readonly Gen<byte[]> s_stream = Gen.Select(
        Gen.Int[0, s_seeds.Length - 1],
        Gen.Bool,
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1 << 20], Gen.Frequency((3, Gen.OneOfConst(s_interesting)), (1, Gen.Byte))).Array[0, 3],
        (seed, withRequest, mutations) =>
        {
            var bytes = new List<byte>(withRequest ? Concat(s_seeds[seed], s_request) : s_seeds[seed]);
            foreach (var (kind, position, value) in mutations)
            {
                var at = bytes.Count == 0 ? 0 : position % bytes.Count;
                switch (kind)
                {
                    case 0 when bytes.Count > 0: bytes[at] = value; break;
                    case 1: bytes.Insert(at, value); break;
                    case 2 when bytes.Count > 0: bytes.RemoveAt(at); break;
                    case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                    default: break;
                }
            }

            return bytes.ToArray();
        });

    private static readonly Gen<(byte[] Stream, int[] Sizes, AsgiProxyProtocol Protocol)> s_case = Gen.Select(
        s_stream,
        Gen.Int[1, 40].Array[1, 12],
        Gen.OneOfConst(AsgiProxyProtocol.V1, AsgiProxyProtocol.V2, AsgiProxyProtocol.Auto));

    [Fact]
    public void Every_seed_is_parsed_the_same_however_it_is_split()
    {
        foreach (var seed in s_seeds)
        {
            foreach (var protocol in new[] { AsgiProxyProtocol.V1, AsgiProxyProtocol.V2, AsgiProxyProtocol.Auto })
            {
                var stream = Concat(seed, s_request);
                for (var size = 1; size <= 8; size++)
                {
                    Assert.Equal(string.Empty, Disagreement(stream, [size], protocol));
                }
            }
        }
    }

    [Fact]
    public void Any_split_of_a_mutated_header_gives_the_same_outcome_as_the_whole() =>
        Property.ForAll(s_case, Iterations, seed: 0x5EED_0101, value =>
        {
            var disagreement = Disagreement(value.Stream, value.Sizes, value.Protocol);
            if (disagreement.Length > 0)
            {
                var minimal = Property.Minimize(value.Stream, s => Disagreement(s, value.Sizes, value.Protocol).Length > 0);
                Assert.Fail($"{disagreement}\nMinimal input: {Property.Show(minimal)}");
            }
        }, print: v => $"{v.Protocol} sizes=[{string.Join(',', v.Sizes)}] stream={Property.Show(v.Stream)}");

    /// <summary>Empty when the pieces (cycled sizes, a segment each) and single bytes give the whole's outcome.</summary>
    private static string Disagreement(byte[] stream, int[] sizes, AsgiProxyProtocol protocol)
    {
        var whole = Parse(protocol, stream);
        var pieced = Arrive(stream, sizes, protocol);
        if (pieced != whole)
        {
            return $"whole: {whole}\nin pieces of [{string.Join(',', sizes)}]: {pieced}";
        }

        var single = Arrive(stream, [1], protocol);
        return single == whole ? string.Empty : $"whole: {whole}\none byte at a time: {single}";
    }

    /// <summary>The first answer other than NeedMoreData as the pieces arrive, each read seeing all pieces so far.</summary>
    private static Outcome Arrive(byte[] stream, int[] sizes, AsgiProxyProtocol protocol)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        var position = 0;
        var outcome = Parse(protocol, ReadOnlySequence<byte>.Empty);
        for (var i = 0; position < stream.Length; i++)
        {
            var size = Math.Min(sizes[i % sizes.Length], stream.Length - position);
            pieces.Add(stream.AsMemory(position, size));
            position += size;
            outcome = Parse(protocol, TestSequence.Create(pieces));
            if (outcome.Status != OperationStatus.NeedMoreData)
            {
                return outcome;
            }
        }

        return outcome;
    }
}
