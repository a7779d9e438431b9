using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>docs/http1.md, "Header fields".</summary>
public sealed partial class RequestHeadParserTests
{
    private static string WithField(string field) => "GET / HTTP/1.1\r\n" + Host + field + "\r\n\r\n";

    [Theory]
    [InlineData("Fo@: x")]
    [InlineData(": x")]
    [InlineData("Foo : x")]
    [InlineData("Foo\t: x")]
    [InlineData("F oo: x")]
    [InlineData("Foo")]
    [InlineData("Foo x")]
    [InlineData("Fo(o): x")]
    [InlineData("F\u0000o: x")]
    [InlineData("F\u00e9o: x")]
    [InlineData("Foo\u007f: x")]
    [InlineData("[Foo]: x")]
    public void Field_name_that_is_not_a_token_is_rejected_400(string field) =>
        HeadAssert.Rejected(WithField(field), RequestRejection.InvalidHeaderName, 400);

    [Theory]
    [InlineData("X: a\u0000b")]
    [InlineData("X: \u0001")]
    [InlineData("X: a\u0008")]
    [InlineData("X: a\u000bb")]
    [InlineData("X: a\u000cb")]
    [InlineData("X: a\u001fb")]
    [InlineData("X: a\u007fb")]
    [InlineData("X: \u0000")]
    public void NUL_CTL_or_DEL_in_a_field_value_is_rejected_400(string field) =>
        HeadAssert.Rejected(WithField(field), RequestRejection.InvalidHeaderValue, 400);

    [Fact]
    public void HTAB_and_obs_text_in_a_field_value_are_kept_byte_for_byte()
    {
        var head = HeadAssert.Complete(WithField("X-Text: a\tb caf\u00e9 \u0080\u00ff\"q\""));
        Assert.Equal("a\tb caf\u00e9 \u0080\u00ff\"q\"", head.Header("x-text"));
    }

    [Theory]
    [InlineData("X: value", "value")]
    [InlineData("X:value", "value")]
    [InlineData("X:   value   ", "value")]
    [InlineData("X:\t \tvalue\t \t", "value")]
    [InlineData("X: a  b\t c ", "a  b\t c")]
    [InlineData("X:", "")]
    [InlineData("X:    ", "")]
    [InlineData("X:\t", "")]
    public void Surrounding_OWS_is_stripped_and_the_rest_kept_exactly(string field, string value)
    {
        var head = HeadAssert.Complete(WithField(field));
        Assert.Equal(value, head.Header("x"));
    }

    [Fact]
    public void Names_are_lower_cased_values_are_not()
    {
        var head = HeadAssert.Complete("GET / HTTP/1.1\r\nHOST: Example.COM\r\nContent-TYPE: Text/HTML\r\nX-Mixed-Case_1: VaLuE\r\n\r\n");
        Assert.Equal(
            [("host", "Example.COM"), ("content-type", "Text/HTML"), ("x-mixed-case_1", "VaLuE")],
            head.Headers);
    }

    [Fact]
    public void Duplicate_fields_are_kept_in_wire_order()
    {
        var head = HeadAssert.Complete("GET / HTTP/1.1\r\nX-A: 1\r\nHost: h\r\nx-a: 2\r\nX-B: 3\r\nX-A: 3\r\nX-A: 1\r\n\r\n");
        Assert.Equal(
            [("x-a", "1"), ("host", "h"), ("x-a", "2"), ("x-b", "3"), ("x-a", "3"), ("x-a", "1")],
            head.Headers);
    }

    [Fact]
    public void Values_are_not_re_rendered()
    {
        var head = HeadAssert.Complete("GET / HTTP/1.1\r\nHost: h\r\nX-N: 003\r\nConnection: a, b, cLOse\r\nX-List: a,,b , c\r\n\r\n");
        Assert.Equal("003", head.Header("x-n"));
        Assert.Equal("a, b, cLOse", head.Header("connection"));
        Assert.Equal("a,,b , c", head.Header("x-list"));
        Assert.True(head.ConnectionClose);
    }

    [Theory]
    [InlineData("Connection: close", true, false)]
    [InlineData("Connection: Keep-Alive", false, true)]
    [InlineData("Connection: upgrade, CLOSE", true, false)]
    [InlineData("Connection: closed", false, false)]
    [InlineData("Connection: keep-alive, close", true, true)]
    public void Connection_tokens_are_case_insensitive_list_members(string field, bool close, bool keepAlive)
    {
        var head = HeadAssert.Complete(WithField(field));
        Assert.Equal(close, head.ConnectionClose);
        Assert.Equal(keepAlive, head.ConnectionKeepAlive);
    }

    [Theory]
    [InlineData("Expect: 100-continue", true)]
    [InlineData("Expect: 100-Continue", true)]
    [InlineData("Expect: 100-continue-please", false)]
    public void Expect_100_continue_is_recognised(string field, bool expected) =>
        Assert.Equal(expected, HeadAssert.Complete(WithField(field)).Expect100Continue);

    [Fact]
    public void HTTP_1_1_without_Host_is_rejected_400() =>
        HeadAssert.Rejected("GET / HTTP/1.1\r\nX: a\r\n\r\n", RequestRejection.MissingHost, 400);

    [Fact]
    public void HTTP_1_1_absolute_form_without_Host_is_rejected_400() =>
        HeadAssert.Rejected("GET http://example.com/ HTTP/1.1\r\n\r\n", RequestRejection.MissingHost, 400);

    [Fact]
    public void HTTP_1_0_without_Host_is_accepted()
    {
        var head = HeadAssert.Complete("GET / HTTP/1.0\r\n\r\n");
        Assert.Equal("1.0", head.Version);
        Assert.Empty(head.Headers);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost:\r\nHOST:\r\n\r\n")]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")]
    public void Two_Host_fields_are_rejected_400(string request) =>
        HeadAssert.Rejected(request, RequestRejection.MultipleHost, 400);

    [Theory]
    [InlineData("a b")]
    [InlineData("user@example.com")]
    [InlineData("example.com:http")]
    [InlineData("example.com:80:80")]
    [InlineData("[::1")]
    [InlineData("[]")]
    [InlineData("[::1]x")]
    [InlineData("[::1]:x")]
    [InlineData("example.com/path")]
    [InlineData("example.com?q")]
    [InlineData("exa%zzmple.com")]
    [InlineData("caf\u00e9.example")]
    public void Invalid_Host_is_rejected_400(string host) =>
        HeadAssert.Rejected("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n", RequestRejection.InvalidHost, 400);

    [Theory]
    [InlineData("")]
    [InlineData("example.com")]
    [InlineData("example.com:8080")]
    [InlineData("a=b")]
    [InlineData("!$&'()*+;=-._~")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("[::1]:443")]
    [InlineData("%41%62c")]
    public void Valid_Host_is_accepted(string host)
    {
        var head = HeadAssert.Complete("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        Assert.Equal(host, head.Header("host"));
    }
}
