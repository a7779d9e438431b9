using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>The size and count limits, exactly at the boundary and one past it (defaults of docs/http1.md).</summary>
public sealed partial class RequestHeadParserTests
{
    /// <summary>"GET /aaa… HTTP/1.1" with the request line (CRLF excluded) exactly <paramref name="length"/> bytes.</summary>
    private static string RequestLineOf(int length) => "GET /" + new string('a', length - 14) + " HTTP/1.1";

    /// <summary>A head whose header block (field lines, their CRLFs and the final CRLF) is exactly <paramref name="size"/> bytes.</summary>
    private static string HeaderBlockOf(int size)
    {
        // "Host: a\r\n" (9) + "X: " (3) + filler + "\r\n" (2) + "\r\n" (2)
        return "GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('v', size - 16) + "\r\n\r\n";
    }

    private static string WithFieldCount(int count)
    {
        var fields = new System.Text.StringBuilder("Host: a\r\n");
        for (var i = 1; i < count; i++)
        {
            fields.Append("X-").Append(i).Append(": v\r\n");
        }

        return "GET / HTTP/1.1\r\n" + fields + "\r\n";
    }

    [Fact]
    public void Request_line_of_exactly_MaxRequestLineSize_is_accepted()
    {
        var line = RequestLineOf(8192);
        Assert.Equal(8192, line.Length);
        var head = HeadAssert.Complete(line + "\r\n" + Host + "\r\n");
        Assert.Equal(8192 - 14 + 1, head.RawPath.Length);
    }

    [Fact]
    public void Request_line_one_byte_over_MaxRequestLineSize_is_rejected_414() =>
        HeadAssert.Rejected(RequestLineOf(8193) + "\r\n" + Host + "\r\n", RequestRejection.RequestLineTooLong, 414);

    [Fact]
    public void Request_line_over_the_limit_is_rejected_before_its_end_arrives()
    {
        // Never buffer more than the limit while waiting for the LF.
        var unterminated = ParserHarness.Bytes("GET /" + new string('a', 8190));
        Assert.Equal(new RejectedHead(RequestRejection.RequestLineTooLong, 414), ParserHarness.ParseHead(unterminated));
        Assert.IsType<IncompleteHead>(ParserHarness.ParseHead(unterminated.AsSpan(0, 8193).ToArray()));
    }

    [Fact]
    public void Leading_empty_lines_do_not_count_against_the_request_line_limit() =>
        HeadAssert.Complete(string.Concat(Enumerable.Repeat("\r\n", 5000)) + RequestLineOf(8192) + "\r\n" + Host + "\r\n");

    [Fact]
    public void Header_block_of_exactly_MaxRequestHeadersSize_is_accepted()
    {
        var request = HeaderBlockOf(32768);
        Assert.Equal(32768, request.Length - "GET / HTTP/1.1\r\n".Length);
        var head = HeadAssert.Complete(request);
        Assert.Equal(32768 - 16, head.Header("x")!.Length);
    }

    [Fact]
    public void Header_block_one_byte_over_MaxRequestHeadersSize_is_rejected_431() =>
        HeadAssert.Rejected(HeaderBlockOf(32769), RequestRejection.HeadersTooLarge, 431);

    [Fact]
    public void Header_line_over_the_limit_is_rejected_before_its_end_arrives()
    {
        var unterminated = ParserHarness.Bytes("GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('v', 40_000));
        Assert.Equal(new RejectedHead(RequestRejection.HeadersTooLarge, 431), ParserHarness.ParseHead(unterminated));
        Assert.Equal(
            new RejectedHead(RequestRejection.HeadersTooLarge, 431),
            ParserHarness.ParseHeadInFragments(unterminated, [1000], SequenceLayout.SegmentPerPiece));
    }

    [Fact]
    public void Header_size_limit_counts_the_final_empty_line()
    {
        // The fields alone fill the limit: the final CRLF is one line too many.
        var limits = ParserHarness.DefaultLimits with { MaxRequestHeadersSize = 9 };
        HeadAssert.Rejected("GET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejection.HeadersTooLarge, 431, limits);

        // The field line's own LF one byte past the limit (its CR the last byte within it).
        HeadAssert.Rejected("GET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejection.HeadersTooLarge, 431, limits with { MaxRequestHeadersSize = 8 });
        HeadAssert.Complete("GET / HTTP/1.1\r\nHost: a\r\n\r\n", limits with { MaxRequestHeadersSize = 11 });
        HeadAssert.Rejected("GET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejection.HeadersTooLarge, 431, limits with { MaxRequestHeadersSize = 10 });
    }

    [Fact]
    public void Exactly_MaxRequestHeaderCount_fields_are_accepted()
    {
        var head = HeadAssert.Complete(WithFieldCount(100));
        Assert.Equal(100, head.Headers.Count);
    }

    [Fact]
    public void One_field_over_MaxRequestHeaderCount_is_rejected_431() =>
        HeadAssert.Rejected(WithFieldCount(101), RequestRejection.TooManyHeaders, 431);

    [Fact]
    public void Small_limits_apply_at_their_boundaries()
    {
        var limits = new Http1Limits(MaxRequestLineSize: 15, MaxRequestHeadersSize: 64, MaxRequestHeaderCount: 2, MaxRequestBodySize: 10);
        HeadAssert.Complete("GET /a HTTP/1.1\r\nHost: a\r\nX: b\r\n\r\n", limits);
        HeadAssert.Rejected("GET /ab HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejection.RequestLineTooLong, 414, limits);
        HeadAssert.Rejected("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\nY: c\r\n\r\n", RequestRejection.TooManyHeaders, 431, limits);
        Assert.Equal(10, HeadAssert.Complete("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n", limits).ContentLength);
        HeadAssert.Rejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", RequestRejection.ContentLengthTooLarge, 413, limits);
    }
}
