using System.Buffers;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary><see cref="LineReader"/> directly: its single-segment and multi-segment paths must give the same answers.</summary>
public sealed class LineReaderTests
{
    private static (bool Found, string Line, long Consumed) Read(ReadOnlySequence<byte> input, int limit)
    {
        var reader = new SequenceReader<byte>(input);
        byte[] scratch = [];
        var found = LineReader.TryReadLine(ref reader, limit, RequestRejection.HeadersTooLarge, ref scratch, out var line);
        return (found, System.Text.Encoding.Latin1.GetString(line), reader.Consumed);
    }

    private static RequestRejection ReadRejection(ReadOnlySequence<byte> input, int limit)
    {
        var ex = Assert.Throws<BadRequestException>(() => Read(input, limit));
        return ex.Reason;
    }

    /// <summary>The same bytes as one segment, one segment per byte, and segments of 3.</summary>
    private static IEnumerable<ReadOnlySequence<byte>> Layouts(string latin1)
    {
        var bytes = ParserHarness.Bytes(latin1);
        yield return new ReadOnlySequence<byte>(bytes);
        yield return TestSequence.Create([.. ParserHarness.Cut(bytes, [1]).Select(b => (ReadOnlyMemory<byte>)b)]);
        yield return TestSequence.Create([.. ParserHarness.Cut(bytes, [3]).Select(b => (ReadOnlyMemory<byte>)b)]);
    }

    [Theory]
    [InlineData("abc\r\nrest", "abc", 5)]
    [InlineData("\r\n", "", 2)]
    [InlineData("a b\tc\r\n\r\n", "a b\tc", 7)]
    public void Complete_line_is_returned_without_its_CRLF_in_every_layout(string input, string line, long consumed)
    {
        foreach (var layout in Layouts(input))
        {
            Assert.Equal((true, line, consumed), Read(layout, 100));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("abc\r")]
    public void Incomplete_line_consumes_nothing(string input)
    {
        foreach (var layout in Layouts(input))
        {
            Assert.Equal((false, "", 0L), Read(layout, 100));
        }
    }

    [Theory]
    [InlineData("abcd\r\n", 6, true)]
    [InlineData("abcde\r\n", 6, false)]
    [InlineData("abcde\r", 6, false)]
    [InlineData("abcdef", 6, false)]
    [InlineData("abcd\r", 6, null)]
    [InlineData("abcde", 6, null)]
    public void Limit_counts_the_CRLF(string input, int limit, bool? accepted)
    {
        foreach (var layout in Layouts(input))
        {
            if (accepted == true)
            {
                Assert.True(Read(layout, limit).Found);
            }
            else if (accepted == false)
            {
                Assert.Equal(RequestRejection.HeadersTooLarge, ReadRejection(layout, limit));
            }
            else
            {
                Assert.False(Read(layout, limit).Found);
            }
        }
    }

    [Theory]
    [InlineData("abc\n", nameof(RequestRejection.BareLineFeed))]
    [InlineData("\n", nameof(RequestRejection.BareLineFeed))]
    [InlineData("a\rb\r\n", nameof(RequestRejection.BareCarriageReturn))]
    [InlineData("a\r\r\n", nameof(RequestRejection.BareCarriageReturn))]
    [InlineData("a\rb", nameof(RequestRejection.BareCarriageReturn))]
    public void Bare_LF_and_bare_CR_are_rejected_in_every_layout(string input, string reason)
    {
        foreach (var layout in Layouts(input))
        {
            Assert.Equal(Enum.Parse<RequestRejection>(reason), ReadRejection(layout, 100));
        }
    }

    [Fact]
    public void Zero_budget_rejects_any_byte_and_waits_on_none()
    {
        Assert.Equal((false, "", 0L), Read(ReadOnlySequence<byte>.Empty, 0));
        Assert.Equal(RequestRejection.HeadersTooLarge, ReadRejection(new ReadOnlySequence<byte>("\r\n"u8.ToArray()), 0));
    }

    [Fact]
    public void Bare_CR_after_byte_4096_of_an_unterminated_header_line_is_rejected_400_whatever_the_layout()
    {
        var input = ParserHarness.Bytes("GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('v', 5000) + "\rv" + new string('v', 30_000));
        var expected = new RejectedHead(RequestRejection.BareCarriageReturn, 400);
        Assert.Equal(expected, ParserHarness.ParseHead(input));
        Assert.Equal(expected, ParserHarness.ParseHeadSegmented(input, [1000]));
        Assert.Equal(expected, ParserHarness.ParseHeadInFragments(input, [1000], SequenceLayout.SegmentPerPiece));
    }

    [Fact]
    public void Bare_CR_after_byte_4096_of_an_unterminated_request_line_is_rejected_400_whatever_the_layout()
    {
        var input = ParserHarness.Bytes("GET /" + new string('a', 5000) + "\ra" + new string('a', 4000));
        var expected = new RejectedHead(RequestRejection.BareCarriageReturn, 400);
        Assert.Equal(expected, ParserHarness.ParseHead(input));
        Assert.Equal(expected, ParserHarness.ParseHeadSegmented(input, [1000]));
        Assert.Equal(expected, ParserHarness.ParseHeadInFragments(input, [1000], SequenceLayout.SegmentPerPiece));
    }

    [Fact]
    public void Line_with_bare_CR_and_bare_LF_gets_one_reason_however_it_arrives()
    {
        var input = ParserHarness.Bytes("GET / HTTP/1.1\r\nHost: a\rb\n\r\n");
        var whole = ParserHarness.ParseHead(input);
        Assert.Equal(whole, ParserHarness.ParseHeadOneByteAtATime(input, SequenceLayout.Contiguous));
        Assert.Equal(whole, ParserHarness.ParseHeadOneByteAtATime(input, SequenceLayout.SegmentPerPiece));
    }

    [Fact]
    public void Long_line_spanning_segments_is_copied_whole()
    {
        var value = new string('v', 5000);
        var head = Assert.IsType<CompleteHead>(ParserHarness.ParseHeadSegmented(ParserHarness.Bytes("GET / HTTP/1.1\r\nHost: a\r\nX: " + value + "\r\n\r\n"), [97]));
        Assert.Equal(value, head.Header("x"));
    }
}
