using AsgiBridge.Cycle;

namespace AsgiBridge.Tests.Cycle;

/// <summary><c>http.response.trailers</c>: the state the announcement holds the response in, framing, validation, order.</summary>
public sealed class RequestCycleTrailersTests : IDisposable
{
    private readonly FakeWire _wire = new();
    private readonly RequestCycle _cycle;

    public RequestCycleTrailersTests()
    {
        _cycle = new RequestCycle(_wire, QueuedBody.Of());
        _wire.Cycle = _cycle;
        Reset(TrailerSupport.ChunkedBody);
    }

    public void Dispose() => _wire.Dispose();

    private void Reset(TrailerSupport support, bool isHead = false)
    {
        _cycle.Reset(isHead);
        _cycle.TrailerSupport = support;
    }

    private ValueTask Start(bool trailers = true, params AsgiHeader[] headers) =>
        _cycle.SendAsync(new HttpResponseStartEvent(200, headers) { Trailers = trailers });

    private ValueTask Body(string body, bool more = false) => _cycle.SendAsync(new HttpResponseBodyEvent(System.Text.Encoding.ASCII.GetBytes(body), more));

    private ValueTask Trailers(bool more = false, params AsgiHeader[] fields) => _cycle.SendAsync(new HttpResponseTrailersEvent(fields, more));

    [Fact]
    public async Task On_http11_a_one_piece_body_is_streamed_so_the_last_chunk_can_carry_the_trailers()
    {
        await Start();
        await Body("Hello");
        Assert.Equal(ResponseState.TrailersPending, _cycle.State);
        Assert.False(_cycle.IsComplete);

        await Trailers(fields: new AsgiHeader("x-checksum", "abc"));

        Assert.Equal(["head 200 Streamed cl=-1 body=5 last=False state=TrailersPending", "trailers x-checksum=abc state=Complete"], _wire.Calls);
        Assert.True(_cycle.IsComplete);
    }

    [Fact]
    public async Task On_http2_a_one_piece_body_keeps_its_computed_content_length()
    {
        Reset(TrailerSupport.AnyBody);
        await Start();
        await Body("Hello");
        await Trailers(fields: new AsgiHeader("x-checksum", "abc"));

        Assert.Equal(["head 200 ContentLength cl=5 body=5 last=False state=TrailersPending", "trailers x-checksum=abc state=Complete"], _wire.Calls);
    }

    [Fact]
    public async Task Where_the_extension_is_not_declared_the_events_are_taken_and_their_fields_dropped()
    {
        Reset(TrailerSupport.None);
        await Start();
        await Body("Hello");
        await Trailers(fields: new AsgiHeader("x-checksum", "abc"));

        Assert.Equal(["head 200 ContentLength cl=5 body=5 last=False state=TrailersPending", "trailers  state=Complete"], _wire.Calls);
        Assert.True(_cycle.IsComplete);
    }

    [Fact]
    public async Task More_trailers_are_gathered_and_written_once_with_the_last_event()
    {
        await Start();
        await Body("a", more: true);
        await Body("b");
        await Trailers(more: true, new AsgiHeader("x-one", "1"));
        Assert.Equal(ResponseState.TrailersPending, _cycle.State);
        await Trailers(more: true);
        await Trailers(fields: new AsgiHeader("x-two", "2"));

        Assert.Equal(
            ["head 200 Streamed cl=-1 body=1 last=False state=HeadWritten", "body 1 last=False state=TrailersPending", "trailers x-one=1,x-two=2 state=Complete"],
            _wire.Calls);
    }

    [Fact]
    public async Task The_dictionary_form_of_both_events_is_understood()
    {
        await _cycle.SendAsync(new Dictionary<string, object?> { ["type"] = "http.response.start", ["status"] = 200, ["trailers"] = true });
        await Body("x");
        await _cycle.SendAsync(new Dictionary<string, object?>
        {
            ["type"] = "http.response.trailers",
            ["headers"] = new List<object?> { new object?[] { "x-a"u8.ToArray(), "1"u8.ToArray() } },
            ["more_trailers"] = false,
        });

        Assert.Equal(["head 200 Streamed cl=-1 body=1 last=False state=TrailersPending", "trailers x-a=1 state=Complete"], _wire.Calls);
    }

    [Fact]
    public async Task A_receive_waiting_for_the_end_gets_disconnect_only_when_the_trailers_complete_the_response()
    {
        await Start();
        await Body("x");
        var receive = _cycle.ReceiveAsync().AsTask();
        await receive; // the body (empty request) first
        var disconnect = _cycle.ReceiveAsync().AsTask();
        Assert.False(disconnect.IsCompleted);

        await Trailers();
        var message = await disconnect.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("http.disconnect", message["type"]);
    }

    [Fact]
    public async Task Trailers_without_the_announcement_are_refused()
    {
        await Start(trailers: false);
        await Body("x", more: true);
        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Trailers());
        Assert.Equal("'http.response.trailers' event sent without 'trailers': true in 'http.response.start'.", ex.Message);

        await Body("y");
        ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Trailers());
        Assert.Equal("'http.response.trailers' event sent after the response was complete.", ex.Message);
    }

    [Fact]
    public async Task Trailers_before_the_last_body_piece_are_refused()
    {
        await Start();
        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Trailers());
        Assert.Equal("'http.response.trailers' event sent before the last 'http.response.body' (more_body false).", ex.Message);

        await Body("a", more: true);
        ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Trailers());
        Assert.Equal("'http.response.trailers' event sent before the last 'http.response.body' (more_body false).", ex.Message);
    }

    [Fact]
    public async Task A_body_after_the_last_piece_names_the_trailers_that_must_follow_and_nothing_follows_them()
    {
        await Start();
        await Body("a");
        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Body("b"));
        Assert.Equal("'http.response.body' event sent after the last body piece (more_body was false): 'http.response.trailers' must follow.", ex.Message);

        await Trailers();
        ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Trailers());
        Assert.Equal("'http.response.trailers' event sent after the response was complete (more_trailers was false).", ex.Message);
    }

    [Fact]
    public async Task On_http11_a_content_length_with_trailers_is_refused_at_the_start_while_a_clean_500_is_possible()
    {
        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Start(true, new AsgiHeader("content-length", "5")));

        Assert.StartsWith("'http.response.start' event: 'trailers': true with a content-length header", ex.Message);
        Assert.Equal(ResponseState.NotStarted, _cycle.State);
        Assert.Empty(_wire.Calls);
    }

    [Fact]
    public async Task On_http2_a_content_length_with_trailers_is_fine()
    {
        Reset(TrailerSupport.AnyBody);
        await Start(true, new AsgiHeader("content-length", "5"));
        await Body("Hello");
        await Trailers(fields: new AsgiHeader("x-a", "1"));

        Assert.Equal(["head 200 ContentLength cl=-1 body=5 last=False state=TrailersPending", "trailers x-a=1 state=Complete"], _wire.Calls);
    }

    [Fact]
    public async Task A_head_response_has_no_content_so_its_trailers_are_dropped()
    {
        Reset(TrailerSupport.ChunkedBody, isHead: true);
        await Start(true, new AsgiHeader("content-length", "5"));
        await Body("Hello");
        await Trailers(fields: new AsgiHeader("x-a", "1"));

        Assert.Equal(["head 200 None cl=-1 body=5 last=False state=TrailersPending", "trailers  state=Complete"], _wire.Calls);
    }

    [Theory]
    [InlineData("content-length")]
    [InlineData("Transfer-Encoding")]
    [InlineData("host")]
    [InlineData("connection")]
    [InlineData("trailer")]
    [InlineData("set-cookie")]
    [InlineData("content-type")]
    public async Task Fields_that_must_come_before_the_content_are_refused_as_trailers(string name)
    {
        await Start();
        await Body("x");
        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Trailers(fields: new AsgiHeader(name, "1")));

        Assert.Equal($"'http.response.trailers' event: key 'headers': '{name}' cannot be sent as a trailer field (RFC 9110 §6.5.1).", ex.Message);
        Assert.Equal(ResponseState.TrailersPending, _cycle.State);
    }

    [Fact]
    public async Task A_trailer_value_that_could_split_the_message_is_refused()
    {
        await Start();
        await Body("x");
        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Trailers(fields: new AsgiHeader("x-a", "1\r\nx-b: 2")));

        Assert.Equal("'http.response.trailers' event: key 'headers': the value of 'x-a' contains CR, LF, NUL or another control character.", ex.Message);
        Assert.Single(_wire.Calls);
    }

    [Fact]
    public async Task A_file_body_cannot_be_followed_by_trailers()
    {
        var path = Path.GetTempFileName();
        try
        {
            await Start();
            var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await _cycle.SendAsync(new HttpResponsePathSendEvent(path)));
            Assert.StartsWith("'http.response.pathsend' event after 'http.response.start' with 'trailers': true", ex.Message);
            Assert.Empty(_wire.Calls);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task The_next_request_forgets_the_announcement()
    {
        await Start();
        await Body("x");
        await Trailers();
        Reset(TrailerSupport.ChunkedBody);
        await Start(trailers: false);
        await Body("y");

        Assert.Equal("head 200 ContentLength cl=1 body=1 last=True state=Complete", _wire.Calls[^1]);
    }
}
