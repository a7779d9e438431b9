using System.Text;

namespace AsgiBridge.Tests.Contract;

/// <summary>The scope and the typed events are also dictionaries with the ASGI keys, both ways.</summary>
public sealed class DictionaryViewTests
{
    private static AsgiScope HttpScope() => new("http")
    {
        HttpVersion = "1.1",
        Method = "POST",
        Path = "/a b",
        RawPath = "/a%20b"u8.ToArray(),
        QueryString = "x=1"u8.ToArray(),
        Headers = [new AsgiHeader("host", "example.com")],
        Client = new AsgiEndpoint("127.0.0.1", 5000),
        Server = new AsgiEndpoint("127.0.0.1", 8000),
    };

    [Fact]
    public void An_http_scope_reads_as_a_dictionary_with_the_asgi_keys()
    {
        IDictionary<string, object?> scope = HttpScope();
        Assert.Equal("http", scope["type"]);
        Assert.Equal("POST", scope["method"]);
        Assert.Equal("/a b", scope["path"]);
        Assert.Equal("/a%20b", Encoding.ASCII.GetString(((ReadOnlyMemory<byte>)scope["raw_path"]!).Span));
        Assert.Equal(new AsgiEndpoint("127.0.0.1", 5000), scope["client"]);
        var asgi = Assert.IsAssignableFrom<IDictionary<string, object?>>(scope["asgi"]);
        Assert.Equal("3.0", asgi["version"]);
        Assert.False(scope.ContainsKey("subprotocols"));
        Assert.Contains("headers", scope.Keys);
        Assert.Equal(scope.Keys.Count, scope.Count);
    }

    [Fact]
    public void Writing_a_known_key_sets_the_typed_property_and_unknown_keys_are_kept()
    {
        var scope = HttpScope();
        scope["root_path"] = "/api";
        scope["my.extension"] = 42;
        Assert.Equal("/api", scope.RootPath);
        Assert.Equal(42, scope["my.extension"]);
        Assert.True(scope.Remove("my.extension"));
        Assert.False(scope.ContainsKey("my.extension"));
        Assert.Throws<NotSupportedException>(() => scope.Remove("path"));
    }

    [Fact]
    public void A_wrongly_typed_value_names_the_key()
    {
        var scope = HttpScope();
        var ex = Assert.Throws<AsgiProtocolException>(() => scope["raw_path"] = "not bytes");
        Assert.Contains("raw_path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lifespan_and_websocket_scopes_show_only_their_keys()
    {
        IDictionary<string, object?> lifespan = new AsgiScope("lifespan");
        Assert.False(lifespan.ContainsKey("path"));
        Assert.False(lifespan.ContainsKey("method"));
        IDictionary<string, object?> websocket = new AsgiScope("websocket") { Subprotocols = ["chat"] };
        Assert.False(websocket.ContainsKey("method"));
        Assert.Equal(new[] { "chat" }, websocket["subprotocols"]);
    }

    [Fact]
    public void State_is_copied_on_first_read_and_the_copy_is_private_to_the_scope()
    {
        var source = new Dictionary<string, object?> { ["db"] = "pool" };
        var first = new AsgiScope("http");
        var second = new AsgiScope("http");
        first.SetStateSource(source);
        second.SetStateSource(source);
        first.State!["db"] = "changed";
        Assert.Equal("pool", second.State!["db"]);
        Assert.Equal("pool", source["db"]);
    }

    [Fact]
    public void Typed_events_read_and_write_as_dictionaries()
    {
        IDictionary<string, object?> start = new HttpResponseStartEvent(201, [new AsgiHeader("x", "1")]);
        Assert.Equal("http.response.start", start["type"]);
        Assert.Equal(201, start["status"]);
        start["status"] = 404;
        Assert.Equal(404, ((HttpResponseStartEvent)start).Status);
        Assert.Throws<AsgiProtocolException>(() => start["type"] = "http.response.body");

        IDictionary<string, object?> body = new HttpResponseBodyEvent("x"u8.ToArray(), moreBody: true);
        Assert.Equal(true, body["more_body"]);
        body["body"] = new byte[] { 1, 2 };
        Assert.Equal(2, ((HttpResponseBodyEvent)body).Body.Length);
    }

    [Theory]
    [InlineData("list of string pairs")]
    [InlineData("tuples of strings")]
    [InlineData("tuples of bytes")]
    [InlineData("key value pairs")]
    public void Headers_are_accepted_in_the_shapes_ported_code_produces(string shape)
    {
        object headers = shape switch
        {
            "list of string pairs" => new List<object> { new List<object> { "content-type", "text/plain" } },
            "tuples of strings" => new List<(string, string)> { ("content-type", "text/plain") },
            "tuples of bytes" => new List<(byte[], byte[])> { ("content-type"u8.ToArray(), "text/plain"u8.ToArray()) },
            _ => new List<KeyValuePair<string, string>> { new("content-type", "text/plain") },
        };
        var start = new HttpResponseStartEvent(200) { ["headers"] = headers };
        var header = Assert.Single(start.Headers);
        Assert.Equal("content-type", header.NameString);
        Assert.Equal("text/plain", header.ValueString);
    }

    [Fact]
    public void A_string_is_not_a_header_list()
    {
        var ex = Assert.Throws<AsgiProtocolException>(() => new HttpResponseStartEvent(200) { ["headers"] = "content-type: text/plain" });
        Assert.Contains("headers", ex.Message, StringComparison.Ordinal);
    }
}
