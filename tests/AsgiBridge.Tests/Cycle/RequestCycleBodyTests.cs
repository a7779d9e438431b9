using AsgiBridge.Cycle;

namespace AsgiBridge.Tests.Cycle;

/// <summary>What the cycle decides about a response body and hands to the wire: body kinds, content-length accounting.</summary>
public sealed class RequestCycleBodyTests : IDisposable
{
    private readonly FakeWire _wire = new();
    private readonly RequestCycle _cycle;

    public void Dispose() => _wire.Dispose();

    public RequestCycleBodyTests()
    {
        _cycle = new RequestCycle(_wire, QueuedBody.Of());
        _wire.Cycle = _cycle;
        _cycle.Reset(isHead: false);
    }

    private ValueTask Start(int status = 200, params AsgiHeader[] headers) => _cycle.SendAsync(new HttpResponseStartEvent(status, headers));

    private ValueTask Body(string body, bool more = false) => _cycle.SendAsync(new HttpResponseBodyEvent(System.Text.Encoding.ASCII.GetBytes(body), more));

    [Fact]
    public async Task A_one_piece_body_gets_a_computed_content_length_and_one_write()
    {
        await Start();
        Assert.Empty(_wire.Calls);
        var send = Body("Hello").AsTask();
        Assert.True(send.IsCompletedSuccessfully);

        Assert.Equal(["head 200 ContentLength cl=5 body=5 last=True state=Complete"], _wire.Calls);
        Assert.Equal(5, _cycle.BodyBytes);
        Assert.False(_cycle.IsShort);
        Assert.False(_wire.GateHeld);
    }

    [Fact]
    public async Task A_streamed_body_writes_the_head_with_the_first_piece_then_pieces()
    {
        await Start();
        await Body("ab", more: true);
        await Body("", more: true);
        await Body("c");

        Assert.Equal(
            ["head 200 Streamed cl=-1 body=2 last=False state=HeadWritten", "body 0 last=False state=HeadWritten", "body 1 last=True state=Complete"],
            _wire.Calls);
        Assert.Equal(3, _cycle.BodyBytesOnWire);
    }

    [Fact]
    public async Task More_bytes_than_the_content_length_raise_before_anything_is_written()
    {
        await Start(200, new AsgiHeader("content-length", "3"));
        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Body("four"));

        Assert.Equal("'http.response.body' event: key 'body': the response would exceed its content-length of 3 bytes.", ex.Message);
        Assert.Empty(_wire.Calls);
        Assert.Equal(ResponseState.Started, _cycle.State);
        Assert.False(_cycle.HeadWritten);
    }

    [Fact]
    public async Task Too_many_bytes_in_a_later_piece_raise_and_the_response_stays_open()
    {
        await Start(200, new AsgiHeader("content-length", "3"));
        await Body("ab", more: true);
        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await Body("cd"));

        Assert.Equal("'http.response.body' event: key 'body': the response would exceed its content-length of 3 bytes.", ex.Message);
        Assert.Equal(["head 200 ContentLength cl=-1 body=2 last=False state=HeadWritten"], _wire.Calls);
        Assert.Equal(ResponseState.HeadWritten, _cycle.State);
        Assert.Equal(2, _cycle.BodyBytes);
    }

    [Fact]
    public async Task A_body_shorter_than_its_content_length_completes_short()
    {
        await Start(200, new AsgiHeader("content-length", "10"));
        await Body("abc", more: true);
        Assert.False(_cycle.IsShort);
        await Body("d");

        Assert.True(_cycle.IsComplete);
        Assert.True(_cycle.IsShort);
    }

    [Fact]
    public async Task A_short_first_and_last_piece_is_short_before_the_head_is_written()
    {
        await Start(200, new AsgiHeader("content-length", "10"));
        var shortAtHead = false;
        _wire.Calls.Clear();
        await Body("abc");
        shortAtHead = _cycle.IsShort;

        Assert.True(shortAtHead);
        Assert.Equal(["head 200 ContentLength cl=-1 body=3 last=True state=Complete"], _wire.Calls);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(103)]
    [InlineData(204)]
    [InlineData(304)]
    public async Task Statuses_without_a_body_carry_none_and_count_nothing_against_a_content_length(int status)
    {
        await Start(status, new AsgiHeader("content-length", "1"));
        await Body("more than one byte");

        Assert.Equal(ResponseBodyKind.None, _cycle.BodyKind);
        Assert.Equal(0, _cycle.BodyBytesOnWire);
        Assert.False(_cycle.IsShort);
        Assert.True(_cycle.IsComplete);
    }

    [Fact]
    public async Task A_head_response_announces_its_one_piece_length_and_carries_no_body()
    {
        _cycle.Reset(isHead: true);
        await Start();
        await Body("Hello");

        Assert.Equal(["head 200 None cl=5 body=5 last=True state=Complete"], _wire.Calls);
        Assert.Equal(0, _cycle.BodyBytesOnWire);
        Assert.Equal(5, _cycle.BodyBytes);
    }

    [Fact]
    public async Task A_head_response_with_an_empty_body_announces_no_length()
    {
        _cycle.Reset(isHead: true);
        await Start();
        await Body("");

        Assert.Equal(["head 200 None cl=-1 body=0 last=True state=Complete"], _wire.Calls);
    }

    [Fact]
    public async Task A_head_response_streamed_carries_no_body()
    {
        _cycle.Reset(isHead: true);
        await Start();
        await Body("a", more: true);
        await Body("b");

        Assert.Equal(ResponseBodyKind.None, _cycle.BodyKind);
        Assert.False(_cycle.IsShort);
    }

    [Fact]
    public async Task Pathsend_counts_the_file_as_the_whole_body()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "0123456789");
        try
        {
            await Start();
            await _cycle.SendAsync(new HttpResponsePathSendEvent(path));
            Assert.Equal(["file 10 ContentLength cl=10 state=Complete"], _wire.Calls);

            _cycle.Reset(isHead: false);
            _wire.Calls.Clear();
            await Start(200, new AsgiHeader("content-length", "4"));
            var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await _cycle.SendAsync(new HttpResponsePathSendEvent(path)));
            Assert.Equal("'http.response.pathsend' event: key 'path': the response would exceed its content-length of 4 bytes.", ex.Message);
            Assert.Empty(_wire.Calls);
            Assert.False(_wire.GateHeld);

            _cycle.Reset(isHead: false);
            await Start(200, new AsgiHeader("content-length", "20"));
            await _cycle.SendAsync(new HttpResponsePathSendEvent(path));
            Assert.True(_cycle.IsShort);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_missing_file_raises_before_the_gate_is_taken()
    {
        await Start();
        await Assert.ThrowsAsync<FileNotFoundException>(async () => await _cycle.SendAsync(new HttpResponsePathSendEvent(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")))));
        Assert.Empty(_wire.Calls);
        Assert.Equal(ResponseState.Started, _cycle.State);
    }

    [Fact]
    public async Task A_send_waits_for_the_gate_held_by_another_writer()
    {
        await Start();
        Assert.True(_wire.TryEnterWrite());
        var send = Body("x").AsTask();
        Assert.False(send.IsCompleted);
        Assert.Empty(_wire.Calls);

        _wire.ExitWrite();
        await send.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(_wire.Calls);
        Assert.False(_wire.GateHeld);
    }

    [Fact]
    public async Task A_pending_write_holds_the_gate_until_it_completes()
    {
        await Start();
        var pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _wire.PendingWrite = pending;
        var send = Body("x").AsTask();
        Assert.False(send.IsCompleted);
        Assert.True(_wire.GateHeld);

        pending.SetResult();
        await send.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(_wire.GateHeld);
    }

    [Fact]
    public async Task A_dictionary_body_is_judged_like_a_typed_one()
    {
        await _cycle.SendAsync(new Dictionary<string, object?> { ["type"] = "http.response.start", ["status"] = 201, ["headers"] = new List<object?> { new object?[] { "x-a"u8.ToArray(), "1"u8.ToArray() } } });
        await _cycle.SendAsync(new Dictionary<string, object?> { ["type"] = "http.response.body", ["body"] = "ab"u8.ToArray(), ["more_body"] = true });
        await _cycle.SendAsync(new Dictionary<string, object?> { ["type"] = "http.response.body" });

        Assert.Equal(201, _cycle.Status);
        Assert.Single(_cycle.Headers);
        Assert.Equal(["head 201 Streamed cl=-1 body=2 last=False state=HeadWritten", "body 0 last=True state=Complete"], _wire.Calls);
    }
}
