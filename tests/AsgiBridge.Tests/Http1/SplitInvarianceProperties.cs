using AsgiBridge.Http1;
using CsCheck;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// "The status depends only on the bytes, never on how they were split across TCP segments" (docs/http1.md).
/// Streams are seed requests from the policy's tables, valid and invalid, with random mutations; each is parsed whole and
/// then in random fragments, one byte at a time, and as a multi-segment sequence, and every outcome must equal the whole.
/// </summary>
public sealed class SplitInvarianceProperties
{
    private const int Iterations = 300;

    private static readonly string[] s_seedRequests =
    [
        // Valid.
        "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
        "\r\n\r\nGET /a%20b?x=1#frag HTTP/1.1\r\nHost: a\r\nX:  v \t\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET http://example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.2\r\nHost: [::1]:80\r\nX: caf\u00e9\u0080\r\nx: 2\r\nConnection: keep-alive, close\r\nExpect: 100-continue\r\n\r\n",
        "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /\"q\\ HTTP/1.1\r\nHost: a=b\r\nX-Empty:\r\n\r\n",
        // Invalid: line structure.
        "GET / HTTP/1.1\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n",
        "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
        // Invalid: request line.
        " GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /\u0001 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET h:80 HTTP/1.1\r\nHost: a\r\n\r\n",
        "CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET / http/1.1\r\nHost: a\r\n\r\n",
        "GET /\r\n\r\n",
        // Invalid: header fields.
        "GET / HTTP/1.1\r\nFo@: x\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
        // Invalid: framing.
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0, 0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456789\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
    ];

    /// <summary>Bytes whose flipping moves a parser across its decisions.</summary>
    private static readonly byte[] s_interesting = [(byte)'\r', (byte)'\n', (byte)' ', (byte)'\t', (byte)':', 0x00, 0x7F, 0x80, (byte)'a', (byte)'0', (byte)';'];

    /// <summary>Small limits so short streams reach every boundary too.</summary>
    private static readonly Http1Limits s_smallLimits = new(MaxRequestLineSize: 24, MaxRequestHeadersSize: 64, MaxRequestHeaderCount: 3, MaxRequestBodySize: 16);

    private enum MutationKind
    {
        Flip,
        Insert,
        Delete,
        Truncate,
    }

    private readonly record struct Mutation(MutationKind Kind, int Position, byte Value);

    private static readonly Gen<byte> s_mutationByte = Gen.Frequency(
        (4, Gen.OneOfConst(s_interesting)),
        (1, Gen.Byte));

    private static readonly Gen<Mutation> s_mutation = Gen.Select(
        Gen.FrequencyConst((4, MutationKind.Flip), (2, MutationKind.Insert), (2, MutationKind.Delete), (1, MutationKind.Truncate)),
        Gen.Int[0, 1 << 20],
        s_mutationByte,
        (kind, position, value) => new Mutation(kind, position, value));

    /// <summary>A seed request with up to four mutations (byte flips, insertions, deletions, truncation).</summary>
    private static readonly Gen<byte[]> s_stream = Gen.Select(
        Gen.Int[0, s_seedRequests.Length - 1],
        s_mutation.Array[0, 4],
        (seed, mutations) => Mutate(ParserHarness.Bytes(s_seedRequests[seed]), mutations));

    /// <summary>Fragment sizes 1..n for a random n, cycled over the stream.</summary>
    private static readonly Gen<int[]> s_fragmentSizes = Gen.Int[1, 48].SelectMany(n => Gen.Int[1, n].Array[1, 16]);

    private static readonly Gen<(byte[] Stream, int[] Sizes, bool Small)> s_headCase = Gen.Select(s_stream, s_fragmentSizes, Gen.Bool);

    [Fact]
    public void Every_seed_request_is_parsed_the_same_however_it_is_split()
    {
        foreach (var seed in s_seedRequests)
        {
            var bytes = ParserHarness.Bytes(seed);
            foreach (var limits in new[] { ParserHarness.DefaultLimits, s_smallLimits })
            {
                Assert.Equal(string.Empty, HeadDisagreement(bytes, [1], limits, exact: true));
                for (var size = 2; size <= 8; size++)
                {
                    Assert.Equal(string.Empty, HeadDisagreement(bytes, [size], limits, exact: true));
                }
            }
        }
    }

    [Fact]
    public void Any_split_of_a_mutated_request_gives_the_same_status_as_the_whole() =>
        Property.ForAll(s_headCase, Iterations, seed: 0x5EED_0001, value =>
        {
            var limits = value.Small ? s_smallLimits : ParserHarness.DefaultLimits;
            var disagreement = HeadDisagreement(value.Stream, value.Sizes, limits, exact: false);
            if (disagreement.Length > 0)
            {
                var minimal = Property.Minimize(value.Stream, s => HeadDisagreement(s, value.Sizes, limits, exact: false).Length > 0);
                Assert.Fail($"{disagreement}\nMinimal input: {Property.Show(minimal)}\n{HeadDisagreement(minimal, value.Sizes, limits, exact: false)}");
            }
        }, print: Print);

    [Fact]
    public void Any_split_of_a_mutated_request_gives_the_same_outcome_as_the_whole() =>
        Property.ForAll(s_headCase, Iterations, seed: 0x5EED_0002, value =>
        {
            var limits = value.Small ? s_smallLimits : ParserHarness.DefaultLimits;
            var disagreement = HeadDisagreement(value.Stream, value.Sizes, limits, exact: true);
            if (disagreement.Length > 0)
            {
                var minimal = Property.Minimize(value.Stream, s => HeadDisagreement(s, value.Sizes, limits, exact: true).Length > 0);
                Assert.Fail($"{disagreement}\nMinimal input: {Property.Show(minimal)}\n{HeadDisagreement(minimal, value.Sizes, limits, exact: true)}");
            }
        }, print: Print);

    // ---- Chunked bodies ------------------------------------------------------------------------------------------

    private static readonly string[] s_validExtensions = ["", "", ";a", ";a=b", " ;a", "; name = value", ";q=\"x y\\\"z\"", ";e=\"\"", ";a;b=1;c=\"2\"", ";a ;b\t=\t\"x\"\t;c"];

    private static readonly string[] s_trailerSections = ["", "", "X-Sum: 1\r\n", "A: 1\r\nB:\t2 \r\n"];

    private sealed record ChunkedCase(byte[] Body, byte[] Encoded, int[] Sizes, ChunkedSettings Settings);

    private static readonly Gen<ChunkedCase> s_chunkedCase = Gen.Select(
        Gen.Byte.Array[0, 300],
        Gen.Int[1, 64].Array[1, 8],
        Gen.Int[0, 1 << 20].Array[1, 8],
        Gen.Int[0, s_trailerSections.Length - 1],
        s_fragmentSizes,
        Gen.Int[1, 64],
        (body, chunkSizes, styles, trailers, sizes, maxData) =>
        {
            var encoded = Encode(body, chunkSizes, styles, s_trailerSections[trailers]);
            return new ChunkedCase(body, encoded, sizes, new ChunkedSettings(MaxData: maxData));
        });

    [Fact]
    public void Random_chunked_bodies_decode_to_the_original_however_they_are_split() =>
        Property.ForAll(s_chunkedCase, Iterations, seed: 0x5EED_0003, value =>
        {
            var expected = new DecodedBody(value.Body, Done: true, value.Encoded.Length);
            Assert.Equal(expected, ParserHarness.DecodeChunked(value.Encoded, value.Settings));
            Assert.Equal(expected, ParserHarness.DecodeChunkedInFragments(value.Encoded, value.Sizes, SequenceLayout.Contiguous, value.Settings));
            Assert.Equal(expected, ParserHarness.DecodeChunkedInFragments(value.Encoded, value.Sizes, SequenceLayout.SegmentPerPiece, value.Settings));
            Assert.Equal(expected, ParserHarness.DecodeChunkedOneByteAtATime(value.Encoded, SequenceLayout.SegmentPerPiece, value.Settings));
            Assert.Equal(expected, ParserHarness.DecodeChunkedSegmented(value.Encoded, value.Sizes, value.Settings));
        }, print: c => $"body[{c.Body.Length}] sizes=[{string.Join(',', c.Sizes)}] maxData={c.Settings.MaxData} encoded={Property.Show(c.Encoded)}");

    private static readonly Gen<(byte[] Stream, int[] Sizes, bool Small)> s_mutatedChunked = Gen.Select(
        s_chunkedCase,
        s_mutation.Array[1, 4],
        Gen.Bool,
        (c, mutations, small) => (Mutate(c.Encoded, mutations), c.Sizes, small));

    [Fact]
    public void Any_split_of_a_mutated_chunked_body_gives_the_same_status_as_the_whole() =>
        Property.ForAll(s_mutatedChunked, Iterations, seed: 0x5EED_0004, value =>
        {
            var settings = ChunkedSettingsFor(value.Small);
            var disagreement = ChunkedDisagreement(value.Stream, value.Sizes, settings, exact: false);
            if (disagreement.Length > 0)
            {
                var minimal = Property.Minimize(value.Stream, s => ChunkedDisagreement(s, value.Sizes, settings, exact: false).Length > 0);
                Assert.Fail($"{disagreement}\nMinimal input: {Property.Show(minimal)}\n{ChunkedDisagreement(minimal, value.Sizes, settings, exact: false)}");
            }
        }, print: v => $"sizes=[{string.Join(',', v.Sizes)}] small={v.Small} stream={Property.Show(v.Stream)}");

    [Fact]
    public void Any_split_of_a_mutated_chunked_body_gives_the_same_outcome_as_the_whole() =>
        Property.ForAll(s_mutatedChunked, Iterations, seed: 0x5EED_0005, value =>
        {
            var settings = ChunkedSettingsFor(value.Small);
            var disagreement = ChunkedDisagreement(value.Stream, value.Sizes, settings, exact: true);
            if (disagreement.Length > 0)
            {
                var minimal = Property.Minimize(value.Stream, s => ChunkedDisagreement(s, value.Sizes, settings, exact: true).Length > 0);
                Assert.Fail($"{disagreement}\nMinimal input: {Property.Show(minimal)}\n{ChunkedDisagreement(minimal, value.Sizes, settings, exact: true)}");
            }
        }, print: v => $"sizes=[{string.Join(',', v.Sizes)}] small={v.Small} stream={Property.Show(v.Stream)}");

    // ---- Helpers -------------------------------------------------------------------------------------------------

    /// <summary>Empty when every way of delivering the stream agrees with the whole; otherwise a description.</summary>
    private static string HeadDisagreement(byte[] stream, int[] sizes, Http1Limits limits, bool exact)
    {
        var whole = ParserHarness.ParseHead(stream, limits);
        var ways = new (string Name, HeadOutcome Outcome)[]
        {
            ("fragments/contiguous", ParserHarness.ParseHeadInFragments(stream, sizes, SequenceLayout.Contiguous, limits)),
            ("fragments/segmented", ParserHarness.ParseHeadInFragments(stream, sizes, SequenceLayout.SegmentPerPiece, limits)),
            ("bytes/contiguous", ParserHarness.ParseHeadOneByteAtATime(stream, SequenceLayout.Contiguous, limits)),
            ("bytes/segmented", ParserHarness.ParseHeadOneByteAtATime(stream, SequenceLayout.SegmentPerPiece, limits)),
            ("whole/segmented", ParserHarness.ParseHeadSegmented(stream, sizes, limits)),
        };
        foreach (var (name, outcome) in ways)
        {
            var same = exact ? outcome.Equals(whole) : outcome.Observable == whole.Observable;
            if (!same)
            {
                return $"{name} [{string.Join(',', sizes)}]: {outcome}\nwhole: {whole}";
            }
        }

        return string.Empty;
    }

    private static string ChunkedDisagreement(byte[] stream, int[] sizes, ChunkedSettings settings, bool exact)
    {
        var whole = ParserHarness.DecodeChunked(stream, settings);
        var ways = new (string Name, ChunkedOutcome Outcome)[]
        {
            ("fragments/contiguous", ParserHarness.DecodeChunkedInFragments(stream, sizes, SequenceLayout.Contiguous, settings)),
            ("fragments/segmented", ParserHarness.DecodeChunkedInFragments(stream, sizes, SequenceLayout.SegmentPerPiece, settings)),
            ("bytes/contiguous", ParserHarness.DecodeChunkedOneByteAtATime(stream, SequenceLayout.Contiguous, settings)),
            ("bytes/segmented", ParserHarness.DecodeChunkedOneByteAtATime(stream, SequenceLayout.SegmentPerPiece, settings)),
            ("whole/segmented", ParserHarness.DecodeChunkedSegmented(stream, sizes, settings)),
        };
        foreach (var (name, outcome) in ways)
        {
            var same = exact ? outcome.Equals(whole) : Observable(outcome) == Observable(whole);
            if (!same)
            {
                return $"{name} [{string.Join(',', sizes)}]: {outcome}\nwhole: {whole}";
            }
        }

        return string.Empty;
    }

    private static string Observable(ChunkedOutcome outcome) => outcome switch
    {
        RejectedBody rejected => "Rejected " + rejected.Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => outcome.ToString(),
    };

    private static ChunkedSettings ChunkedSettingsFor(bool small) =>
        small ? new ChunkedSettings(MaxData: 7, HeaderBudget: 24, FieldBudget: 1, MaxBodySize: 100) : new ChunkedSettings();

    private static byte[] Mutate(byte[] bytes, Mutation[] mutations)
    {
        var list = new List<byte>(bytes);
        foreach (var m in mutations)
        {
            switch (m.Kind)
            {
                case MutationKind.Insert:
                    list.Insert(m.Position % (list.Count + 1), m.Value);
                    break;
                case MutationKind.Delete when list.Count > 0:
                    list.RemoveAt(m.Position % list.Count);
                    break;
                case MutationKind.Flip when list.Count > 0:
                    list[m.Position % list.Count] = m.Value;
                    break;
                case MutationKind.Truncate when list.Count > 0:
                    // The stream ends early: the parser must wait (Incomplete) with the same bytes consumed however split.
                    list.RemoveRange(m.Position % list.Count, list.Count - (m.Position % list.Count));
                    break;
            }
        }

        return [.. list];
    }

    /// <summary>Chunked encoding with the given chunk sizes (cycled), and per chunk a hex style and an extension.</summary>
    private static byte[] Encode(byte[] body, int[] chunkSizes, int[] styles, string trailers)
    {
        var output = new List<byte>();
        var offset = 0;
        for (var i = 0; offset < body.Length; i++)
        {
            var size = Math.Min(chunkSizes[i % chunkSizes.Length], body.Length - offset);
            output.AddRange(ChunkLine(size, styles[i % styles.Length]));
            output.AddRange(body.AsSpan(offset, size));
            output.AddRange("\r\n"u8);
            offset += size;
        }

        output.AddRange(ChunkLine(0, styles[^1]));
        output.AddRange(ParserHarness.Bytes(trailers + "\r\n"));
        return [.. output];
    }

    private static byte[] ChunkLine(int size, int style)
    {
        var hex = size.ToString(style % 2 == 0 ? "x" : "X", System.Globalization.CultureInfo.InvariantCulture);
        var zeros = new string('0', style / 2 % 3);
        var extension = s_validExtensions[style / 6 % s_validExtensions.Length];
        return ParserHarness.Bytes(zeros + hex + extension + "\r\n");
    }

    private static string Print((byte[] Stream, int[] Sizes, bool Small) value) =>
        $"sizes=[{string.Join(',', value.Sizes)}] small={value.Small} stream={Property.Show(value.Stream)}";
}
