using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>raw_path to path: percent-decoding then UTF-8 with replacement, as uvicorn's <c>unquote</c> does.</summary>
public sealed class PathDecoderTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("", "")]
    [InlineData("*", "*")]
    [InlineData("/plain/path", "/plain/path")]
    [InlineData("/a%20b", "/a b")]
    [InlineData("/a%2Fb", "/a/b")]
    [InlineData("/a%2fb", "/a/b")]
    [InlineData("/%41%42%43", "/ABC")]
    [InlineData("/caf%C3%A9", "/caf\u00e9")]
    [InlineData("/%E2%82%AC", "/\u20ac")]
    [InlineData("/%F0%9F%98%80", "/\U0001F600")]
    [InlineData("/%25", "/%")]
    [InlineData("/%2525", "/%25")]
    [InlineData("/a+b", "/a+b")]
    [InlineData("/%00", "/\u0000")]
    public void Percent_escapes_are_decoded_as_UTF_8(string raw, string path) =>
        Assert.Equal(path, PathDecoder.Decode(ParserHarness.Bytes(raw)));

    [Theory]
    [InlineData("/%", "/%")]
    [InlineData("/%4", "/%4")]
    [InlineData("/a%", "/a%")]
    [InlineData("/%zz", "/%zz")]
    [InlineData("/%4g", "/%4g")]
    [InlineData("/%g4", "/%g4")]
    [InlineData("/%%41", "/%A")]
    [InlineData("/%20%", "/ %")]
    [InlineData("/%2", "/%2")]
    public void Malformed_escapes_are_kept_as_they_are(string raw, string path) =>
        Assert.Equal(path, PathDecoder.Decode(ParserHarness.Bytes(raw)));

    [Theory]
    [InlineData("/%FF", "/\ufffd")]
    [InlineData("/%C3", "/\ufffd")]
    [InlineData("/%C3x", "/\ufffdx")]
    [InlineData("/%E2%82", "/\ufffd")]
    [InlineData("/%C0%AF", "/\ufffd\ufffd")]
    [InlineData("/%ED%A0%80", "/\ufffd\ufffd\ufffd")]
    public void Invalid_UTF_8_is_replaced_with_U_FFFD(string raw, string path) =>
        Assert.Equal(path, PathDecoder.Decode(ParserHarness.Bytes(raw)));
}
