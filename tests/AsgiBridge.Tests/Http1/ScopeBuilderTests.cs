using System.Buffers;
using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>The scope built from a parsed head: packed headers, unpacked on first use, and the typed keys.</summary>
public sealed class ScopeBuilderTests
{
    private static AsgiScope Build(string request)
    {
        using var head = new RequestHead();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(request)));
        Assert.True(RequestHeadParser.TryParse(ref reader, head, ParserHarness.DefaultLimits));
        var facts = new ScopeBuilder.ConnectionFacts("http", "", null, null);
        var scope = ScopeBuilder.Build(head, facts, new Dictionary<string, object?>());

        // The connection reuses the head for the next request: the scope must not depend on it.
        head.Reset();
        var next = new SequenceReader<byte>(new ReadOnlySequence<byte>("GET /zzzzzzzzzzzzzzzz HTTP/1.1\r\nHost: zzzzzzzzzzzzzz\r\n\r\n"u8.ToArray()));
        Assert.True(RequestHeadParser.TryParse(ref next, head, ParserHarness.DefaultLimits));
        return scope;
    }

    private static string Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.Latin1.GetString(b.Span) : "<none>";

    [Fact]
    public void Headers_keep_wire_order_and_duplicates_with_lower_case_names()
    {
        var scope = Build("GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-One: 1\r\nAccept: a\r\nx-one: 2\r\n\r\n");
        Assert.Equal(
            ["host: example.com", "x-one: 1", "accept: a", "x-one: 2"],
            scope.Headers.Select(h => h.ToString()).ToArray());
        Assert.Equal("/a", scope.Path);
        Assert.Equal("b=1", Encoding.ASCII.GetString(scope.QueryString.Span));
        Assert.Same(scope.Headers, scope.Headers); // unpacked once
    }

    [Fact]
    public void GetHeader_finds_the_first_field_before_and_after_the_list_is_built()
    {
        var scope = Build("GET / HTTP/1.1\r\nHost: h\r\nX-One: 1\r\nx-one: 2\r\n\r\n");
        Assert.Equal("1", Text(scope.GetHeader("x-one"u8)));
        Assert.Equal("<none>", Text(scope.GetHeader("x-two"u8)));
        Assert.Equal("<none>", Text(scope.GetHeader("x-on"u8)));
        Assert.Equal(3, scope.Headers.Count);
        Assert.Equal("1", Text(scope.GetHeader("x-one"u8)));
    }

    [Fact]
    public void An_absolute_form_authority_replaces_the_host_value()
    {
        var scope = Build("GET http://target.example:8080/p HTTP/1.1\r\nHost: other\r\n\r\n");
        Assert.Equal("target.example:8080", Text(scope.GetHeader("host"u8)));
        Assert.Equal("host: target.example:8080", Assert.Single(scope.Headers).ToString());
    }

    [Fact]
    public void Setting_headers_replaces_the_packed_ones()
    {
        var scope = Build("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        scope.Headers = [new AsgiHeader("x-set", "v")];
        Assert.Equal("<none>", Text(scope.GetHeader("host"u8)));
        Assert.Equal("v", Text(scope.GetHeader("x-set"u8)));
        Assert.Equal("x-set: v", Assert.Single((IReadOnlyList<AsgiHeader>)scope["headers"]!).ToString());
    }

    [Fact]
    public void A_head_without_fields_has_an_empty_list()
    {
        var scope = Build("GET / HTTP/1.0\r\n\r\n");
        Assert.Empty(scope.Headers);
        Assert.Null(scope.GetHeader("host"u8));
    }
}
