using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>docs/http1.md, "Message framing" (RFC 9112 §6).</summary>
public sealed partial class RequestHeadParserTests
{
    private static string Post(params string[] fields) => PostWithVersion("HTTP/1.1", fields);

    private static string PostWithVersion(string version, params string[] fields) =>
        "POST /upload " + version + "\r\n" + Host + string.Concat(fields.Select(f => f + "\r\n")) + "\r\n";

    [Theory]
    [InlineData("+5")]
    [InlineData("-1")]
    [InlineData("0x5")]
    [InlineData("1 2")]
    [InlineData("1\t2")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("5,")]
    [InlineData("1_000")]
    [InlineData("1.0")]
    [InlineData("five")]
    [InlineData("\u0665")]
    public void Content_Length_that_is_not_1_DIGIT_is_rejected_400(string value) =>
        HeadAssert.Rejected(Post("Content-Length: " + value), RequestRejection.InvalidContentLength, 400);

    [Theory]
    [InlineData("0, 0")]
    [InlineData("5,5")]
    [InlineData("5, 6")]
    public void Content_Length_list_is_rejected_400_even_with_identical_values(string value) =>
        HeadAssert.Rejected(Post("Content-Length: " + value), RequestRejection.InvalidContentLength, 400);

    [Theory]
    [InlineData("Content-Length: 5", "Content-Length: 5")]
    [InlineData("Content-Length: 0", "content-length: 0")]
    [InlineData("Content-Length: 1", "Content-Length: 2")]
    public void Two_Content_Length_fields_are_rejected_400(string first, string second) =>
        HeadAssert.Rejected(Post(first, second), RequestRejection.MultipleContentLength, 400);

    [Theory]
    [InlineData("1234567890123456789")]
    [InlineData("99999999999999999999")]
    [InlineData("0000000000000000005")]
    [InlineData("184467440737095516160")]
    public void Content_Length_over_18_digits_is_rejected_400_at_once(string value)
    {
        var request = Post("Content-Length: " + value);
        HeadAssert.Rejected(request, RequestRejection.InvalidContentLength, 400);
        // Judged when the field line completes, before the end of the head: no waiting for more bytes.
        var fieldLineOnly = request[..(request.IndexOf(value, StringComparison.Ordinal) + value.Length + 2)];
        Assert.Equal(new RejectedHead(RequestRejection.InvalidContentLength, 400), ParserHarness.ParseHead(fieldLineOnly));
    }

    [Fact]
    public void Content_Length_of_18_digits_is_parsed_exactly_when_no_body_limit_applies()
    {
        var head = HeadAssert.Complete(Post("Content-Length: 999999999999999999"), ParserHarness.DefaultLimits with { MaxRequestBodySize = null });
        Assert.Equal(999_999_999_999_999_999L, head.ContentLength);
        Assert.Equal(BodyFraming.ContentLength, head.Framing);
    }

    [Fact]
    public void Content_Length_above_MaxRequestBodySize_is_rejected_413() =>
        HeadAssert.Rejected(Post("Content-Length: 30000001"), RequestRejection.ContentLengthTooLarge, 413);

    [Fact]
    public void Content_Length_of_18_digits_is_rejected_413_with_the_default_body_limit() =>
        HeadAssert.Rejected(Post("Content-Length: 999999999999999999"), RequestRejection.ContentLengthTooLarge, 413);

    [Fact]
    public void Content_Length_equal_to_MaxRequestBodySize_is_accepted()
    {
        var head = HeadAssert.Complete(Post("Content-Length: 30000000"));
        Assert.Equal(BodyFraming.ContentLength, head.Framing);
        Assert.Equal(30_000_000, head.ContentLength);
    }

    [Theory]
    [InlineData("Content-Length: 42", 42)]
    [InlineData("Content-Length:   7  ", 7)]
    [InlineData("content-length: 007", 7)]
    public void Valid_Content_Length_sets_content_length_framing(string field, long length)
    {
        var head = HeadAssert.Complete(Post(field));
        Assert.Equal(BodyFraming.ContentLength, head.Framing);
        Assert.Equal(length, head.ContentLength);
    }

    [Fact]
    public void Content_Length_zero_means_no_body()
    {
        var head = HeadAssert.Complete(Post("Content-Length: 0"));
        Assert.Equal(BodyFraming.None, head.Framing);
        Assert.Equal(0, head.ContentLength);
    }

    [Theory]
    [InlineData("Content-Length: 5", "Transfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: chunked", "Content-Length: 5")]
    [InlineData("Transfer-Encoding: chunked", "Content-Length: 0")]
    [InlineData("Transfer-Encoding: gzip", "Content-Length: 5")]
    public void Content_Length_with_Transfer_Encoding_is_rejected_400(string first, string second) =>
        HeadAssert.Rejected(Post(first, second), RequestRejection.ContentLengthAndTransferEncoding, 400);

    [Fact]
    public void Transfer_Encoding_in_HTTP_1_0_is_rejected_400() =>
        HeadAssert.Rejected(PostWithVersion("HTTP/1.0", "Transfer-Encoding: chunked"), RequestRejection.TransferEncodingInHttp10, 400);

    [Theory]
    [InlineData("gzip, chunked")]
    [InlineData("deflate")]
    [InlineData("gzip")]
    [InlineData("identity")]
    [InlineData("chunked, gzip")]
    [InlineData("x-custom, chunked")]
    public void Transfer_Encoding_other_than_chunked_alone_is_rejected_501(string value) =>
        HeadAssert.Rejected(Post("Transfer-Encoding: " + value), RequestRejection.UnsupportedTransferCoding, 501);

    [Fact]
    public void Transfer_Encoding_split_over_fields_with_another_coding_is_rejected_501() =>
        HeadAssert.Rejected(Post("Transfer-Encoding: gzip", "Transfer-Encoding: chunked"), RequestRejection.UnsupportedTransferCoding, 501);

    [Theory]
    [InlineData("Transfer-Encoding: chunked, chunked")]
    [InlineData("Transfer-Encoding: chunked,Chunked")]
    [InlineData("Transfer-Encoding: chunked", "Transfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: gzip, chunked, chunked")]
    public void Chunked_applied_twice_is_rejected_400(params string[] fields) =>
        HeadAssert.Rejected(Post(fields), RequestRejection.ChunkedAppliedTwice, 400);

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("chunked;foo=bar")]
    [InlineData("chu@nked")]
    [InlineData("\"chunked\"")]
    public void Malformed_Transfer_Encoding_is_rejected_400(string value) =>
        HeadAssert.Rejected(Post("Transfer-Encoding: " + value), RequestRejection.InvalidTransferEncoding, 400);

    [Theory]
    [InlineData("chunked")]
    [InlineData("Chunked")]
    [InlineData("CHUNKED")]
    [InlineData("  chunked  ")]
    [InlineData(", chunked")]
    public void Transfer_Encoding_chunked_sets_chunked_framing(string value)
    {
        var head = HeadAssert.Complete(Post("Transfer-Encoding: " + value));
        Assert.Equal(BodyFraming.Chunked, head.Framing);
        Assert.Equal(value.Trim(' '), head.Header("transfer-encoding"));
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("POST / HTTP/1.0\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("PUT / HTTP/1.0\r\nHost: a\r\n\r\n")]
    public void No_Content_Length_and_no_Transfer_Encoding_means_a_zero_length_body(string request)
    {
        var head = HeadAssert.Complete(request);
        Assert.Equal(BodyFraming.None, head.Framing);
        Assert.Equal(-1, head.ContentLength);
    }
}
