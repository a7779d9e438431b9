using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>The chunked transfer coding (RFC 9112 §7.1) and the chunked rejections of docs/http1.md.</summary>
public sealed class ChunkedDecoderTests
{
    // ---- Sizes -------------------------------------------------------------------------------------------------

    [Fact]
    public void Single_chunk_decodes() => ChunkedAssert.Decodes("5\r\nhello\r\n0\r\n\r\n", "hello");

    [Fact]
    public void Several_chunks_decode_in_order() =>
        ChunkedAssert.Decodes("3\r\nabc\r\n1\r\nd\r\na\r\n0123456789\r\n0\r\n\r\n", "abcd0123456789");

    [Fact]
    public void Empty_body_is_just_the_last_chunk() => ChunkedAssert.Decodes("0\r\n\r\n", "");

    [Theory]
    [InlineData("a")]
    [InlineData("A")]
    [InlineData("0a")]
    [InlineData("000000000000000A")]
    public void Chunk_size_is_hex_in_either_case_with_leading_zeros(string size) =>
        ChunkedAssert.Decodes(size + "\r\n0123456789\r\n0\r\n\r\n", "0123456789");

    [Fact]
    public void Chunk_data_may_contain_CR_LF_and_any_byte() =>
        ChunkedAssert.Decodes("8\r\n\r\n\u0000\n\r\u00ff0\r\r\n0\r\n\r\n", "\r\n\u0000\n\r\u00ff0\r");

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData("0x5")]
    [InlineData(" 5")]
    [InlineData("\t5")]
    [InlineData("5g")]
    [InlineData("5,")]
    public void Chunk_size_that_is_not_hex_or_empty_is_rejected_400(string size) =>
        ChunkedAssert.Rejected(size + "\r\nhello\r\n0\r\n\r\n", RequestRejection.InvalidChunkSize, 400);

    [Theory]
    [InlineData("5 ")]
    [InlineData("5\t")]
    [InlineData("5  \t ")]
    [InlineData("0 ")]
    public void Whitespace_after_the_size_without_an_extension_is_rejected_400(string size) =>
        ChunkedAssert.Rejected(size + "\r\nhello\r\n0\r\n\r\n", RequestRejection.InvalidChunkSize, 400);

    [Theory]
    [InlineData("00000000000000005")]
    [InlineData("10000000000000000")]
    [InlineData("FFFFFFFFFFFFFFFFF")]
    public void More_than_16_hex_digits_is_rejected_400(string size) =>
        ChunkedAssert.Rejected(size + "\r\nhello\r\n0\r\n\r\n", RequestRejection.InvalidChunkSize, 400);

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFF")]
    [InlineData("8000000000000000")]
    public void Sixteen_hex_digits_above_long_MaxValue_are_rejected_400(string size) =>
        ChunkedAssert.Rejected(size + "\r\nhello\r\n0\r\n\r\n", RequestRejection.InvalidChunkSize, 400);

    [Fact]
    public void Sixteen_hex_digit_size_up_to_long_MaxValue_is_accepted_and_waits_for_data()
    {
        var outcome = ChunkedAssert.DecodeEveryWay("7FFFFFFFFFFFFFFF\r\nhello");
        Assert.Equal(new DecodedBody("hello"u8.ToArray(), Done: false, 23), outcome);
    }

    [Fact]
    public void Body_over_MaxRequestBodySize_is_rejected_413()
    {
        var settings = new ChunkedSettings(MaxBodySize: 10);
        ChunkedAssert.Decodes("5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n", "0123456789", settings);
        ChunkedAssert.Rejected("5\r\n01234\r\n6\r\n56789a\r\n0\r\n\r\n", RequestRejection.BodyTooLarge, 413, settings);
        ChunkedAssert.Rejected("b\r\n0123456789a\r\n0\r\n\r\n", RequestRejection.BodyTooLarge, 413, settings);
    }

    [Fact]
    public void Data_is_returned_in_pieces_no_larger_than_MaxData() =>
        ChunkedAssert.Decodes("a\r\n0123456789\r\n3\r\nabc\r\n0\r\n\r\n", "0123456789abc", new ChunkedSettings(MaxData: 1));

    [Fact]
    public void Incomplete_body_returns_the_data_so_far()
    {
        var outcome = ChunkedAssert.DecodeEveryWay("5\r\nhel");
        Assert.Equal(new DecodedBody("hel"u8.ToArray(), Done: false, 6), outcome);
    }

    [Fact]
    public void Bytes_after_the_last_chunk_are_not_consumed()
    {
        var outcome = ChunkedAssert.DecodeEveryWay("2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1\r\n");
        Assert.Equal(new DecodedBody("hi"u8.ToArray(), Done: true, 12), outcome);
    }

    // ---- Extensions (RFC 9112 §7.1.1) --------------------------------------------------------------------------
    // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ); name: token; value: token or
    // quoted-string. Every case is also decoded one byte at a time (ChunkedAssert), so each rule is split-invariant.

    [Theory]
    [InlineData("5;name")]
    [InlineData("5;name=token")]
    [InlineData("5;name=\"quoted value\"")]
    [InlineData("5;name=\"\"")]
    [InlineData("5;a=1;b=2;c")]
    [InlineData("5;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~")]
    public void Valid_chunk_extensions_are_skipped(string sizeLine) =>
        ChunkedAssert.Decodes(sizeLine + "\r\nhello\r\n0;last=\"yes\"\r\n\r\n", "hello");

    [Theory]
    [InlineData("5 ;a")]
    [InlineData("5\t;a")]
    [InlineData("5; a")]
    [InlineData("5;\ta")]
    [InlineData("5;a =b")]
    [InlineData("5;a= b")]
    [InlineData("5;a \t=\t b")]
    [InlineData("5 ; a = 1 ; b")]
    [InlineData("5;a ;b")]
    [InlineData("5;a=1 ;b")]
    [InlineData("5;a=\"x\"\t;b")]
    [InlineData("5\t;\ta\t=\t\"x\"")]
    public void Whitespace_before_a_semicolon_and_around_equals_is_allowed(string sizeLine) =>
        ChunkedAssert.Decodes(sizeLine + "\r\nhello\r\n0\r\n\r\n", "hello");

    [Theory]
    [InlineData("5;ext=1 ")]
    [InlineData("5;ext=1\t")]
    [InlineData("5;ext=1 \t ")]
    [InlineData("5;ext ")]
    [InlineData("5;ext\t")]
    [InlineData("5;ext=\"1\" ")]
    [InlineData("5;a=1;b ")]
    [InlineData("5 ;a=1 ")]
    [InlineData("0;ext=1 ")]
    public void Whitespace_after_the_last_extension_name_or_value_is_rejected_400(string sizeLine) =>
        ChunkedAssert.Rejected(sizeLine + "\r\nhello\r\n0\r\n\r\n", RequestRejection.InvalidChunkExtension, 400);

    [Theory]
    [InlineData("5;")]
    [InlineData("5; ")]
    [InlineData("5;=v")]
    [InlineData("5;;a")]
    [InlineData("5;a=b;")]
    [InlineData("5;a@b")]
    [InlineData("5;a b")]
    [InlineData("5;\"a\"")]
    [InlineData("5;a,b")]
    [InlineData("5;\u00e9")]
    [InlineData("5;a/b=1")]
    public void Extension_name_that_is_not_a_token_is_rejected_400(string sizeLine) =>
        ChunkedAssert.Rejected(sizeLine + "\r\nhello\r\n0\r\n\r\n", RequestRejection.InvalidChunkExtension, 400);

    [Theory]
    [InlineData("5;a=")]
    [InlineData("5;a= ")]
    [InlineData("5;a=b c")]
    [InlineData("5;a=b@")]
    [InlineData("5;a=\u00e9")]
    [InlineData("5;a==b")]
    [InlineData("5;a=b=c")]
    [InlineData("5;a=\"x\"y")]
    [InlineData("5;a=\"x\"\"y\"")]
    [InlineData("5;a=\"unterminated")]
    [InlineData("5;a=\"x\\\"")]
    [InlineData("5;a=x\"y\"")]
    public void Extension_value_that_is_not_a_token_or_quoted_string_is_rejected_400(string sizeLine) =>
        ChunkedAssert.Rejected(sizeLine + "\r\nhello\r\n0\r\n\r\n", RequestRejection.InvalidChunkExtension, 400);

    [Theory]
    [InlineData("5;a=\"q\\\"uote\\\\\"")]
    [InlineData("5;a=\"\\a\\;\\=\\ \\\t\"")]
    [InlineData("5;a=\"\\\u00e9\"")]
    [InlineData("5;a=\"obs-text \u00e9\u0080\ttab\"")]
    [InlineData("5;a=\";b=c\"")]
    [InlineData("5;a=\"()<>@,;:/[]?={}\"")]
    public void Quoted_values_may_hold_quoted_pairs_tabs_spaces_delimiters_and_obs_text(string sizeLine) =>
        ChunkedAssert.Decodes(sizeLine + "\r\nhello\r\n0\r\n\r\n", "hello");

    [Theory]
    [InlineData("5;a=\"\u0001\"")]
    [InlineData("5;a=\"\u0000\"")]
    [InlineData("5;a=\"\u007f\"")]
    [InlineData("5;a=\"\\\u0001\"")]
    [InlineData("5;a=\"\\\u007f\"")]
    [InlineData("5;a=\"\\\u0000\"")]
    [InlineData("5;a\u0000")]
    [InlineData("5;a=b\u0000")]
    [InlineData("5;a\u000b=b")]
    [InlineData("5;a=\u000cb")]
    [InlineData("5;a=b\u007f")]
    [InlineData("5\u0000;a")]
    public void Control_characters_in_an_extension_are_rejected_400(string sizeLine)
    {
        // A CTL right after the size is not a ';': the size itself is malformed.
        var reason = sizeLine[1] == ';' ? RequestRejection.InvalidChunkExtension : RequestRejection.InvalidChunkSize;
        ChunkedAssert.Rejected(sizeLine + "\r\nhello\r\n0\r\n\r\n", reason, 400);
    }

    [Theory]
    [InlineData("5;a=\"x\ry\"\r\n")]
    [InlineData("5;a\r=b\r\n")]
    [InlineData("5;a=b\r \r\n")]
    public void Bare_CR_inside_an_extension_is_rejected_400(string sizeLine) =>
        ChunkedAssert.Rejected(sizeLine + "hello\r\n0\r\n\r\n", RequestRejection.BareCarriageReturn, 400);

    [Theory]
    [InlineData("5;a=\"x\ny\"\r\n")]
    [InlineData("5;a\n=b\r\n")]
    [InlineData("5;a=b\n")]
    public void Bare_LF_inside_or_ending_an_extension_is_rejected_400(string sizeLine) =>
        ChunkedAssert.Rejected(sizeLine + "hello\r\n0\r\n\r\n", RequestRejection.BareLineFeed, 400);

    [Fact]
    public void Chunk_line_of_4096_bytes_is_accepted_and_one_more_is_rejected_400()
    {
        // MaxChunkLineLength counts the CRLF: "1;" + name + CRLF.
        var name = new string('n', 4092);
        ChunkedAssert.Decodes("1;" + name + "\r\nx\r\n0\r\n\r\n", "x");
        ChunkedAssert.Rejected("1;" + name + "n\r\nx\r\n0\r\n\r\n", RequestRejection.ChunkLineTooLong, 400);
    }

    // ---- Line endings and chunk terminators --------------------------------------------------------------------

    [Theory]
    [InlineData("5\r\nhelloX\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\n0\r\n\r\n")]
    [InlineData("5\r\nhello\rX0\r\n\r\n")]
    [InlineData("5\r\nhello0\r\n\r\n")]
    [InlineData("3\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\r\r\n0\r\n\r\n")]
    public void Chunk_data_not_followed_by_CRLF_is_rejected_400(string body) =>
        ChunkedAssert.Rejected(body, RequestRejection.MissingChunkTerminator, 400);

    [Fact]
    public void Wrong_byte_after_chunk_data_is_rejected_without_waiting_for_a_second_byte() =>
        Assert.Equal(new RejectedBody(RequestRejection.MissingChunkTerminator, 400), ParserHarness.DecodeChunked("5\r\nhelloX"));

    [Fact]
    public void CR_after_chunk_data_waits_for_the_LF() =>
        Assert.Equal(new DecodedBody("hello"u8.ToArray(), Done: false, 8), ChunkedAssert.DecodeEveryWay("5\r\nhello\r"));

    [Theory]
    [InlineData("5\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\n\r\n")]
    [InlineData("5;a=b\nhello\r\n0\r\n\r\n")]
    [InlineData("0\r\nX: 1\n\r\n")]
    [InlineData("0\r\n\n")]
    [InlineData("0\r\nX: 1\r\n\n")]
    public void Bare_LF_ending_a_chunk_size_or_trailer_line_is_rejected_400(string body) =>
        ChunkedAssert.Rejected(body, RequestRejection.BareLineFeed, 400);

    [Theory]
    [InlineData("5\r\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5;a\rb\r\nhello\r\n0\r\n\r\n")]
    [InlineData("0\r\nX: a\rb\r\n\r\n")]
    [InlineData("0\r\n\r\r\n")]
    public void Bare_CR_in_a_chunk_size_or_trailer_line_is_rejected_400(string body) =>
        ChunkedAssert.Rejected(body, RequestRejection.BareCarriageReturn, 400);

    [Fact]
    public void Chunk_line_with_bare_CR_and_bare_LF_gets_one_reason_however_it_arrives()
    {
        var input = ParserHarness.Bytes("5\rX\nhello\r\n0\r\n\r\n");
        var whole = ParserHarness.DecodeChunked(input);
        Assert.Equal(whole, ParserHarness.DecodeChunkedOneByteAtATime(input, SequenceLayout.Contiguous));
        Assert.Equal(whole, ParserHarness.DecodeChunkedOneByteAtATime(input, SequenceLayout.SegmentPerPiece));
    }

    // ---- Trailers ----------------------------------------------------------------------------------------------

    [Fact]
    public void Trailer_fields_are_parsed_and_skipped() =>
        ChunkedAssert.Decodes("2\r\nhi\r\n0\r\nX-Checksum: abc\r\nX-Other:\t1 \r\n\r\n", "hi");

    [Theory]
    [InlineData("0\r\nBad Name: 1\r\n\r\n", nameof(RequestRejection.InvalidHeaderName))]
    [InlineData("0\r\n: 1\r\n\r\n", nameof(RequestRejection.InvalidHeaderName))]
    [InlineData("0\r\nNoColon\r\n\r\n", nameof(RequestRejection.InvalidHeaderName))]
    [InlineData("0\r\nX: a\u0000b\r\n\r\n", nameof(RequestRejection.InvalidHeaderValue))]
    [InlineData("0\r\nX: a\u007f\r\n\r\n", nameof(RequestRejection.InvalidHeaderValue))]
    [InlineData("0\r\nX: 1\r\n folded\r\n\r\n", nameof(RequestRejection.ObsoleteLineFolding))]
    [InlineData("0\r\n X: 1\r\n\r\n", nameof(RequestRejection.ObsoleteLineFolding))]
    public void Trailer_fields_follow_the_header_rules(string body, string reason) =>
        ChunkedAssert.Rejected(body, Enum.Parse<RequestRejection>(reason), 400);

    [Fact]
    public void Trailer_section_is_counted_against_the_header_size_budget()
    {
        const string Body = "0\r\nX: 1\r\n\r\n";
        // "X: 1\r\n" (6) + "\r\n" (2) = 8 bytes of trailer section.
        ChunkedAssert.Decodes(Body, "", new ChunkedSettings(HeaderBudget: 8));
        ChunkedAssert.Rejected(Body, RequestRejection.HeadersTooLarge, 431, new ChunkedSettings(HeaderBudget: 7));
        ChunkedAssert.Rejected(Body, RequestRejection.HeadersTooLarge, 431, new ChunkedSettings(HeaderBudget: 6));
    }

    [Fact]
    public void Empty_trailer_section_needs_two_bytes_of_budget()
    {
        ChunkedAssert.Decodes("0\r\n\r\n", "", new ChunkedSettings(HeaderBudget: 2));
        ChunkedAssert.Rejected("0\r\n\r\n", RequestRejection.HeadersTooLarge, 431, new ChunkedSettings(HeaderBudget: 1));
        ChunkedAssert.Rejected("0\r\n\r\n", RequestRejection.HeadersTooLarge, 431, new ChunkedSettings(HeaderBudget: 0));
    }

    [Fact]
    public void Long_trailer_line_is_rejected_before_its_end_arrives()
    {
        var outcome = ParserHarness.DecodeChunked("0\r\nX: " + new string('v', 100), new ChunkedSettings(HeaderBudget: 50));
        Assert.Equal(new RejectedBody(RequestRejection.HeadersTooLarge, 431), outcome);
    }

    [Fact]
    public void Trailer_fields_are_counted_against_the_header_count_budget()
    {
        const string Body = "0\r\nA: 1\r\nB: 2\r\n\r\n";
        ChunkedAssert.Decodes(Body, "", new ChunkedSettings(FieldBudget: 2));
        ChunkedAssert.Rejected(Body, RequestRejection.TooManyHeaders, 431, new ChunkedSettings(FieldBudget: 1));
        ChunkedAssert.Rejected(Body, RequestRejection.TooManyHeaders, 431, new ChunkedSettings(FieldBudget: 0));
    }

    [Fact]
    public void Decoder_can_be_reset_and_reused()
    {
        var decoder = new ChunkedDecoder();
        foreach (var body in new[] { "3\r\nabc\r\n0\r\nT: 1\r\n\r\n", "2\r\nde\r\n0\r\n\r\n" })
        {
            decoder.Reset();
            var reader = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(ParserHarness.Bytes(body)));
            var data = new List<byte>();
            while (!decoder.IsDone)
            {
                var piece = decoder.Decode(ref reader, int.MaxValue, 100, 10);
                Assert.False(piece.IsEmpty && !decoder.IsDone, "decoder stalled on a complete body");
                foreach (var memory in piece)
                {
                    data.AddRange(memory.Span);
                }
            }

            Assert.Equal(body.Length, reader.Consumed);
            Assert.Equal(body[3..(3 + body[0] - '0')], System.Text.Encoding.Latin1.GetString([.. data]));
        }
    }
}
