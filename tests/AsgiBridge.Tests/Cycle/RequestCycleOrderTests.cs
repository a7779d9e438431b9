using AsgiBridge.Cycle;

namespace AsgiBridge.Tests.Cycle;

/// <summary>
/// The order of <c>http.response.*</c> events: every event sent out of order raises <see cref="AsgiProtocolException"/>
/// with its message, before anything reaches the wire; typed events and plain dictionaries are judged alike.
/// </summary>
public sealed class RequestCycleOrderTests : IDisposable
{
    private readonly FakeWire _wire = new();
    private readonly RequestCycle _cycle;

    public void Dispose() => _wire.Dispose();

    public RequestCycleOrderTests()
    {
        _cycle = new RequestCycle(_wire, QueuedBody.Of());
        _wire.Cycle = _cycle;
        _cycle.Reset(isHead: false);
    }

    private static Dictionary<string, object?> Event(string type, params (string Key, object? Value)[] keys)
    {
        var message = new Dictionary<string, object?> { ["type"] = type };
        foreach (var (key, value) in keys)
        {
            message[key] = value;
        }

        return message;
    }

    private static Dictionary<string, object?> PlainStart(int status = 200) => Event("http.response.start", ("status", status), ("headers", new List<object?>()));

    private static Dictionary<string, object?> PlainBody(string body = "", bool more = false) =>
        Event("http.response.body", ("body", System.Text.Encoding.ASCII.GetBytes(body)), ("more_body", more));

    private async Task<string> RaisesAsync(IDictionary<string, object?> message)
    {
        var before = _wire.Calls.Count;
        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await _cycle.SendAsync(message));
        Assert.Equal(before, _wire.Calls.Count);
        Assert.False(_wire.GateHeld);
        return ex.Message;
    }

    public static TheoryData<bool> Forms => new() { true, false };

    private static IDictionary<string, object?> Start(bool typed, int status = 200) => typed ? new HttpResponseStartEvent(status) : PlainStart(status);

    private static IDictionary<string, object?> Body(bool typed, string body = "", bool more = false) =>
        typed ? new HttpResponseBodyEvent(System.Text.Encoding.ASCII.GetBytes(body), more) : PlainBody(body, more);

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Body_before_start_raises(bool typed)
    {
        Assert.Equal("'http.response.body' event sent before 'http.response.start'.", await RaisesAsync(Body(typed, "x")));
        Assert.Equal(ResponseState.NotStarted, _cycle.State);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Start_twice_raises_before_and_after_the_head(bool typed)
    {
        await _cycle.SendAsync(Start(typed));
        Assert.Equal(ResponseState.Started, _cycle.State);
        Assert.Equal("'http.response.start' event sent twice.", await RaisesAsync(Start(typed)));

        await _cycle.SendAsync(Body(typed, "a", more: true));
        Assert.Equal(ResponseState.HeadWritten, _cycle.State);
        Assert.Equal("'http.response.start' event sent twice.", await RaisesAsync(Start(typed)));
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task Start_and_body_after_the_response_is_complete_raise(bool typed)
    {
        await _cycle.SendAsync(Start(typed));
        await _cycle.SendAsync(Body(typed, "done"));
        Assert.Equal(ResponseState.Complete, _cycle.State);

        Assert.Equal("'http.response.start' event sent after the response was complete.", await RaisesAsync(Start(typed)));
        Assert.Equal("'http.response.body' event sent after the response was complete (more_body was false).", await RaisesAsync(Body(typed, "more")));
    }

    [Fact]
    public async Task Start_after_the_application_returned_raises()
    {
        _cycle.OnAppReturned();
        Assert.Equal("'http.response.start' event sent after the application returned.", await RaisesAsync(PlainStart()));
    }

    [Theory]
    [InlineData(99)]
    [InlineData(101)]
    [InlineData(1000)]
    [InlineData(-1)]
    public async Task A_status_outside_100_to_999_or_101_raises(int status)
    {
        Assert.Equal(
            $"'http.response.start' event: key 'status' must be a 3-digit status code other than 101, not {status}.",
            await RaisesAsync(PlainStart(status)));
        Assert.Equal(ResponseState.NotStarted, _cycle.State);
    }

    [Fact]
    public async Task Events_without_a_type_an_unknown_type_or_a_required_key_raise()
    {
        Assert.Equal("Event has no 'type' key (or it is not a string).", await RaisesAsync(new Dictionary<string, object?> { ["status"] = 200 }));
        Assert.Equal("Event has no 'type' key (or it is not a string).", await RaisesAsync(new Dictionary<string, object?> { ["type"] = 5 }));
        Assert.Equal("Unknown event type 'websocket.send' for an 'http' scope.", await RaisesAsync(Event("websocket.send")));
        Assert.Equal("'http.response.start' event: missing required key 'status'.", await RaisesAsync(Event("http.response.start")));
        Assert.Equal("'http.response.pathsend' event: missing required key 'path'.", await RaisesAsync(Event("http.response.pathsend")));
    }

    [Fact]
    public async Task Invalid_headers_raise_on_start_before_the_state_moves()
    {
        Assert.Equal(
            "'http.response.start' event: key 'headers': header name 'bad name' is not a valid token.",
            await RaisesAsync(new HttpResponseStartEvent(200, [new("bad name", "v")])));
        Assert.Equal(
            "'http.response.start' event: key 'headers': pseudo-header ':status' is not allowed in HTTP/1.1.",
            await RaisesAsync(new HttpResponseStartEvent(200, [new(":status", "200")])));
        Assert.Equal(
            "'http.response.start' event: key 'headers': the value of 'x' contains CR, LF, NUL or another control character.",
            await RaisesAsync(new HttpResponseStartEvent(200, [new("x", "a\r\nb: c")])));
        Assert.Equal(
            "'http.response.start' event: key 'headers': content-length must be given once, as a non-negative integer.",
            await RaisesAsync(new HttpResponseStartEvent(200, [new("content-length", "1"), new("Content-Length", "1")])));
        Assert.Equal(ResponseState.NotStarted, _cycle.State);
    }

    [Fact]
    public async Task Pathsend_is_allowed_only_right_after_start()
    {
        var path = Path.GetTempFileName();
        try
        {
            Assert.Equal("'http.response.pathsend' event sent before 'http.response.start'.", await RaisesAsync(new HttpResponsePathSendEvent(path)));

            await _cycle.SendAsync(PlainStart());
            Assert.Equal(
                "'http.response.pathsend' event: key 'path' must be an absolute file path, not 'relative.txt'.",
                await RaisesAsync(new HttpResponsePathSendEvent("relative.txt")));

            await _cycle.SendAsync(PlainBody("a", more: true));
            Assert.Equal(
                "'http.response.pathsend' event sent after 'http.response.body': the file must be the whole body.",
                await RaisesAsync(Event("http.response.pathsend", ("path", path))));

            await _cycle.SendAsync(PlainBody());
            Assert.Equal("'http.response.pathsend' event sent after the response was complete.", await RaisesAsync(new HttpResponsePathSendEvent(path)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Every_send_after_the_client_left_raises_client_disconnected()
    {
        await _cycle.SendAsync(PlainStart());
        _cycle.MarkClientGone();
        await Assert.ThrowsAsync<ClientDisconnectedException>(async () => await _cycle.SendAsync(PlainBody("x")));
        await Assert.ThrowsAsync<ClientDisconnectedException>(async () => await _cycle.SendAsync(PlainStart()));
        await Assert.ThrowsAsync<ClientDisconnectedException>(async () => await _cycle.SendAsync(new HttpResponsePathSendEvent("/nonexistent")));
        Assert.Empty(_wire.Calls);
    }

    [Fact]
    public async Task A_server_answer_before_the_head_completes_the_response_and_later_events_raise()
    {
        await _cycle.SendAsync(PlainStart());
        Assert.True(_cycle.TryAnswerInstead());
        Assert.Equal(ResponseState.Complete, _cycle.State);
        Assert.Equal("'http.response.body' event sent after the response was complete (more_body was false).", await RaisesAsync(PlainBody("x")));
    }

    [Fact]
    public async Task The_server_cannot_answer_once_the_head_is_written()
    {
        await _cycle.SendAsync(PlainStart());
        await _cycle.SendAsync(PlainBody("a", more: true));
        Assert.False(_cycle.TryAnswerInstead());
        Assert.Equal(ResponseState.HeadWritten, _cycle.State);
    }

    [Fact]
    public async Task Reset_forgets_the_previous_request()
    {
        await _cycle.SendAsync(PlainStart(404));
        await _cycle.SendAsync(PlainBody("gone"));
        _cycle.MarkClientGone();
        _cycle.OnAppReturned();

        _cycle.Reset(isHead: false);

        Assert.Equal(ResponseState.NotStarted, _cycle.State);
        Assert.Equal(0, _cycle.Status);
        Assert.Equal(0, _cycle.BodyBytes);
        Assert.False(_cycle.ClientGone);
        Assert.False(_cycle.AppDone);
        Assert.Equal(ResponseBodyKind.Undecided, _cycle.BodyKind);
        await _cycle.SendAsync(PlainStart());
        Assert.Equal(ResponseState.Started, _cycle.State);
    }
}
