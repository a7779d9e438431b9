using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// docs/http1.md, table by table: "Line structure" and "Request line" here; header fields, framing and limits
/// in the partial files. Every case is parsed whole and one byte at a time (see <see cref="HeadAssert"/>).
/// </summary>
public sealed partial class RequestHeadParserTests
{
    private const string Host = "Host: example.com\r\n";

    // ---- Line structure ----------------------------------------------------------------------------------------

    [Fact]
    public void Bare_LF_after_request_line_is_rejected_400() =>
        HeadAssert.Rejected("GET / HTTP/1.1\nHost: a\r\n\r\n", RequestRejection.BareLineFeed, 400);

    [Fact]
    public void Bare_LF_after_header_line_is_rejected_400() =>
        HeadAssert.Rejected("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", RequestRejection.BareLineFeed, 400);

    [Fact]
    public void Bare_LF_as_the_empty_line_ending_the_head_is_rejected_400() =>
        HeadAssert.Rejected("GET / HTTP/1.1\r\nHost: a\r\n\n", RequestRejection.BareLineFeed, 400);

    [Fact]
    public void Bare_LF_as_an_empty_line_before_the_request_line_is_rejected_400() =>
        HeadAssert.Rejected("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejection.BareLineFeed, 400);

    [Theory]
    [InlineData("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHo\rst: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n")]
    [InlineData("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    public void Bare_CR_anywhere_in_the_head_is_rejected_400(string request) =>
        HeadAssert.Rejected(request, RequestRejection.BareCarriageReturn, 400);

    [Fact]
    public void Bare_CR_is_rejected_before_the_line_is_complete()
    {
        // A CR followed by anything but LF can never end a line: no need to wait for the LF.
        var outcome = ParserHarness.ParseHead("GET / HTTP/1.1\r\nHost: a\rb");
        Assert.Equal(new RejectedHead(RequestRejection.BareCarriageReturn, 400), outcome);
    }

    [Fact]
    public void CR_at_the_end_of_the_input_waits_for_the_LF() =>
        HeadAssert.Incomplete("GET / HTTP/1.1\r\nHost: a\r");

    [Fact]
    public void Empty_lines_before_the_request_line_are_ignored()
    {
        const string Request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        var head = HeadAssert.Complete("\r\n\r\n\r\n" + Request);
        Assert.Equal("GET", head.Method);
        Assert.Equal("/", head.RawPath);
        Assert.Equal(6 + Request.Length, head.Consumed);
    }

    [Fact]
    public void Only_empty_lines_are_consumed_and_wait_for_a_request()
    {
        var outcome = HeadAssert.Incomplete("\r\n\r\n\r\n");
        Assert.Equal(6, outcome.Consumed);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n Host: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\n \r\nHost: a\r\n\r\n")]
    public void Line_starting_with_whitespace_right_after_the_request_line_is_rejected_400(string request) =>
        HeadAssert.Rejected(request, RequestRejection.ObsoleteLineFolding, 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n")]
    public void Obs_fold_continuation_line_is_rejected_400(string request) =>
        HeadAssert.Rejected(request, RequestRejection.ObsoleteLineFolding, 400);

    // ---- Request line ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("G@T")]
    [InlineData("GE(T")]
    [InlineData("GET,")]
    [InlineData("GE/T")]
    [InlineData("G\"T")]
    [InlineData("GET\u007f")]
    [InlineData("GET\u0000")]
    [InlineData("G\u00e9T")]
    public void Method_that_is_not_a_token_is_rejected_400(string method) =>
        HeadAssert.Rejected(method + " / HTTP/1.1\r\n" + Host + "\r\n", RequestRejection.InvalidMethod, 400);

    [Fact]
    public void Empty_method_is_rejected_400() =>
        HeadAssert.Rejected(" / HTTP/1.1\r\n" + Host + "\r\n", RequestRejection.InvalidMethod, 400);

    [Theory]
    [InlineData("GET  / HTTP/1.1", nameof(RequestRejection.InvalidRequestLine))]
    [InlineData("GET /  HTTP/1.1", nameof(RequestRejection.InvalidHttpVersion))]
    [InlineData("GET / HTTP/1.1 ", nameof(RequestRejection.InvalidHttpVersion))]
    [InlineData(" GET / HTTP/1.1", nameof(RequestRejection.InvalidMethod))]
    [InlineData("GET\t/ HTTP/1.1", nameof(RequestRejection.InvalidMethod))]
    [InlineData("GET /\tHTTP/1.1", nameof(RequestRejection.InvalidRequestLine))]
    [InlineData("GET / HTTP/1.1\t", nameof(RequestRejection.InvalidHttpVersion))]
    [InlineData("GET /a b HTTP/1.1", nameof(RequestRejection.InvalidHttpVersion))]
    [InlineData("GET", nameof(RequestRejection.InvalidRequestLine))]
    [InlineData("GET /", nameof(RequestRejection.InvalidRequestLine))]
    [InlineData("GET / ", nameof(RequestRejection.InvalidHttpVersion))]
    public void Request_line_not_exactly_method_SP_target_SP_version_is_rejected_400(string line, string reason) =>
        HeadAssert.Rejected(line + "\r\n" + Host + "\r\n", Enum.Parse<RequestRejection>(reason), 400);

    [Theory]
    [InlineData("/a\u0000b")]
    [InlineData("/a\u0001b")]
    [InlineData("/a\u001fb")]
    [InlineData("/a\tb")]
    [InlineData("/a\u007fb")]
    [InlineData("/a\u0080b")]
    [InlineData("/caf\u00e9")]
    [InlineData("/a\u00ffb")]
    [InlineData("/?q=\u0080")]
    public void Target_with_CTL_DEL_or_raw_byte_above_0x7F_is_rejected_400(string target) =>
        HeadAssert.Rejected("GET " + target + " HTTP/1.1\r\n" + Host + "\r\n", RequestRejection.InvalidRequestTarget, 400);

    [Fact]
    public void Quote_and_backslash_in_target_are_tolerated()
    {
        var head = HeadAssert.Complete("GET /a\"b\\c?d=\"e\" HTTP/1.1\r\n" + Host + "\r\n");
        Assert.Equal("/a\"b\\c", head.RawPath);
        Assert.Equal("d=\"e\"", head.Query);
    }

    [Fact]
    public void Origin_form_gives_path_and_query_without_authority()
    {
        var head = HeadAssert.Complete("GET /items/42?x=1&y=%20 HTTP/1.1\r\n" + Host + "\r\n");
        Assert.Equal("/items/42", head.RawPath);
        Assert.Equal("x=1&y=%20", head.Query);
        Assert.Null(head.Authority);
        Assert.Equal("1.1", head.Version);
    }

    [Theory]
    [InlineData("/?", "/", "")]
    [InlineData("/a?b?c", "/a", "b?c")]
    [InlineData("//double//slash", "//double//slash", "")]
    [InlineData("/p?q=1#frag", "/p", "q=1")]
    [InlineData("/p#frag?notquery", "/p", "")]
    [InlineData("/p#", "/p", "")]
    [InlineData("/#", "/", "")]
    public void Origin_form_splits_path_query_and_drops_the_fragment(string target, string path, string query)
    {
        var head = HeadAssert.Complete("GET " + target + " HTTP/1.1\r\n" + Host + "\r\n");
        Assert.Equal(path, head.RawPath);
        Assert.Equal(query, head.Query);
    }

    [Fact]
    public void Percent_encoded_path_is_kept_raw_and_decodes_to_path()
    {
        var head = HeadAssert.Complete("GET /a%20b%2Fc%C3%A9 HTTP/1.1\r\n" + Host + "\r\n");
        Assert.Equal("/a%20b%2Fc%C3%A9", head.RawPath);
        Assert.Equal("/a b/c\u00e9", PathDecoder.Decode(ParserHarness.Bytes(head.RawPath)));
    }

    [Theory]
    [InlineData("http://example.com/p?q=1", "example.com", "/p", "q=1")]
    [InlineData("http://example.com", "example.com", "/", "")]
    [InlineData("http://example.com?x=1", "example.com", "/", "x=1")]
    [InlineData("http://example.com:8080/a/b", "example.com:8080", "/a/b", "")]
    [InlineData("https://[::1]:8443/x", "[::1]:8443", "/x", "")]
    [InlineData("HTTP://Example.COM/P", "Example.COM", "/P", "")]
    [InlineData("http://example.com/p#frag", "example.com", "/p", "")]
    [InlineData("http://example.com/a@b", "example.com", "/a@b", "")]
    public void Absolute_form_takes_path_and_query_from_the_target(string target, string authority, string path, string query)
    {
        var head = HeadAssert.Complete("GET " + target + " HTTP/1.1\r\nHost: other.test\r\n\r\n");
        Assert.Equal(authority, head.Authority);
        Assert.Equal(path, head.RawPath);
        Assert.Equal(query, head.Query);
        // The Host field is kept as received; the connection substitutes the target's authority (RFC 9112 §3.2.2).
        Assert.Equal("other.test", head.Header("host"));
    }

    [Theory]
    [InlineData("http://user@example.com/")]
    [InlineData("http://user:pass@example.com/p")]
    [InlineData("http://@example.com/")]
    public void Userinfo_in_absolute_form_is_rejected_400(string target) =>
        HeadAssert.Rejected("GET " + target + " HTTP/1.1\r\n" + Host + "\r\n", RequestRejection.UserInfoInTarget, 400);

    [Theory]
    [InlineData("http:///p")]
    [InlineData("http://")]
    [InlineData("http://:80/p")]
    [InlineData("http://exa%zzmple.com/")]
    [InlineData("http://example.com:http/")]
    [InlineData("1http://example.com/")]
    public void Absolute_form_with_invalid_authority_is_rejected_400(string target) =>
        HeadAssert.Rejected("GET " + target + " HTTP/1.1\r\n" + Host + "\r\n", RequestRejection.InvalidRequestTarget, 400);

    [Fact]
    public void Asterisk_form_with_OPTIONS_is_accepted()
    {
        var head = HeadAssert.Complete("OPTIONS * HTTP/1.1\r\n" + Host + "\r\n");
        Assert.Equal("OPTIONS", head.Method);
        Assert.Equal("*", head.RawPath);
        Assert.Equal("", head.Query);
        Assert.Equal("*", PathDecoder.Decode("*"u8));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("options")]
    public void Asterisk_form_with_another_method_is_rejected_405(string method) =>
        HeadAssert.Rejected(method + " * HTTP/1.1\r\n" + Host + "\r\n", RequestRejection.AsteriskFormNotOptions, 405);

    [Theory]
    [InlineData("GET example.com:443")]
    [InlineData("POST example.com:80")]
    [InlineData("OPTIONS [::1]:8080")]
    public void Authority_form_with_a_method_other_than_CONNECT_is_rejected_405(string methodAndTarget) =>
        HeadAssert.Rejected(methodAndTarget + " HTTP/1.1\r\n" + Host + "\r\n", RequestRejection.AuthorityFormNotSupported, 405);

    [Theory]
    [InlineData("CONNECT example.com:443 HTTP/1.1")]
    [InlineData("CONNECT / HTTP/1.1")]
    public void CONNECT_is_rejected_405(string line) =>
        HeadAssert.Rejected(line + "\r\n" + Host + "\r\n", RequestRejection.ConnectNotSupported, 405);

    [Theory]
    [InlineData("example.com")]
    [InlineData("a/b")]
    [InlineData("#frag")]
    [InlineData("?q")]
    [InlineData("*?x")]
    public void Target_in_no_known_form_is_rejected_400(string target) =>
        HeadAssert.Rejected("GET " + target + " HTTP/1.1\r\n" + Host + "\r\n", RequestRejection.InvalidRequestTarget, 400);

    [Theory]
    [InlineData("HTTP/1.0", "1.0")]
    [InlineData("HTTP/1.1", "1.1")]
    [InlineData("HTTP/1.2", "1.1")]
    [InlineData("HTTP/1.5", "1.1")]
    [InlineData("HTTP/1.9", "1.1")]
    public void HTTP_1_x_versions_are_accepted_and_1_2_to_1_9_served_as_1_1(string version, string expected)
    {
        var head = HeadAssert.Complete("GET / " + version + "\r\n" + Host + "\r\n");
        Assert.Equal(expected, head.Version);
    }

    [Theory]
    [InlineData("HTTP/2.0")]
    [InlineData("HTTP/3.0")]
    [InlineData("HTTP/0.9")]
    [InlineData("HTTP/9.9")]
    public void Other_HTTP_major_versions_are_rejected_505(string version) =>
        HeadAssert.Rejected("GET / " + version + "\r\n" + Host + "\r\n", RequestRejection.UnsupportedHttpVersion, 505);

    [Theory]
    [InlineData("http/1.1")]
    [InlineData("Http/1.1")]
    [InlineData("RTSP/1.0")]
    [InlineData("ICE/1.0")]
    [InlineData("HTTP/1")]
    [InlineData("HTTP/1.")]
    [InlineData("HTTP/11")]
    [InlineData("HTTP/1.10")]
    [InlineData("HTTP/1.a")]
    [InlineData("HTTP/a.1")]
    [InlineData("HTTP/1,1")]
    [InlineData("HTTPS/1.1")]
    [InlineData("garbage!")]
    public void Malformed_versions_are_rejected_400(string version) =>
        HeadAssert.Rejected("GET / " + version + "\r\n" + Host + "\r\n", RequestRejection.InvalidHttpVersion, 400);

    [Fact]
    public void HTTP2_connection_preface_is_rejected_505()
    {
        HeadAssert.Rejected("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", RequestRejection.UnsupportedHttpVersion, 505);
        // The answer comes from the request line alone, before the rest of the preface arrives.
        Assert.Equal(new RejectedHead(RequestRejection.UnsupportedHttpVersion, 505), ParserHarness.ParseHead("PRI * HTTP/2.0\r\n"));
    }

    [Fact]
    public void Lower_case_and_unknown_methods_are_tokens_and_accepted()
    {
        Assert.Equal("get", HeadAssert.Complete("get / HTTP/1.1\r\n" + Host + "\r\n").Method);
        Assert.Equal("PROPFIND", HeadAssert.Complete("PROPFIND / HTTP/1.1\r\n" + Host + "\r\n").Method);
        Assert.Equal("X-M!#$%&'*+.^_`|~", HeadAssert.Complete("X-M!#$%&'*+.^_`|~ / HTTP/1.1\r\n" + Host + "\r\n").Method);
    }

    [Fact]
    public void The_parser_stops_at_the_end_of_the_head()
    {
        const string First = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
        var head = HeadAssert.Complete(First + "helloGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(First.Length, head.Consumed);
        Assert.Equal(BodyFraming.ContentLength, head.Framing);
        Assert.Equal(5, head.ContentLength);
    }

    [Fact]
    public void Incomplete_head_consumes_only_complete_lines()
    {
        var outcome = HeadAssert.Incomplete("GET / HTTP/1.1\r\nHost: a\r\nX-Partial: va");
        Assert.Equal("GET / HTTP/1.1\r\nHost: a\r\n".Length, outcome.Consumed);
    }
}
