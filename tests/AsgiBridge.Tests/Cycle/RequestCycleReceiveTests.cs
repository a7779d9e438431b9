using AsgiBridge.Cycle;

namespace AsgiBridge.Tests.Cycle;

/// <summary><c>receive</c>: <c>http.request</c> events with <c>more_body</c>, then the <c>http.disconnect</c> hand-shake.</summary>
public sealed class RequestCycleReceiveTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly FakeWire _wire = new();

    public void Dispose() => _wire.Dispose();

    private RequestCycle NewCycle(QueuedBody body)
    {
        var cycle = new RequestCycle(_wire, body);
        _wire.Cycle = cycle;
        cycle.Reset(isHead: false);
        return cycle;
    }

    private static string Text(IDictionary<string, object?> message) =>
        System.Text.Encoding.ASCII.GetString(((HttpRequestEvent)message).Body.Span);

    [Fact]
    public async Task A_request_without_a_body_is_one_empty_final_event_then_a_wait_for_the_response()
    {
        var cycle = NewCycle(QueuedBody.Of());
        var first = await cycle.ReceiveAsync();
        var request = Assert.IsType<HttpRequestEvent>(first);
        Assert.True(request.Body.IsEmpty);
        Assert.False(request.MoreBody);

        var waiting = cycle.ReceiveAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        await cycle.SendAsync(new HttpResponseStartEvent(200));
        Assert.False(waiting.IsCompleted);
        await cycle.SendAsync(new HttpResponseBodyEvent("done"u8.ToArray()));
        Assert.IsType<HttpDisconnectEvent>(await waiting.WaitAsync(Timeout));

        // Once complete, every receive answers at once.
        var again = cycle.ReceiveAsync().AsTask();
        Assert.True(again.IsCompletedSuccessfully);
        Assert.IsType<HttpDisconnectEvent>(await again);
    }

    [Fact]
    public async Task Body_pieces_come_with_more_body_until_the_last()
    {
        var body = QueuedBody.Of("ab", "cd", "e");
        var cycle = NewCycle(body);

        var pieces = new List<(string, bool)>();
        for (var i = 0; i < 3; i++)
        {
            var request = Assert.IsType<HttpRequestEvent>(await cycle.ReceiveAsync());
            pieces.Add((Text(request), request.MoreBody));
        }

        Assert.Equal([("ab", true), ("cd", true), ("e", false)], pieces);
        Assert.Equal(3, body.Reads);
        Assert.False(cycle.ReceiveAsync().AsTask().IsCompleted);
    }

    [Fact]
    public async Task A_second_receive_while_one_reads_the_body_raises()
    {
        var body = QueuedBody.Stalled();
        var cycle = NewCycle(body);
        var first = cycle.ReceiveAsync().AsTask();
        Assert.True(cycle.ReceiveInFlight);

        var ex = await Assert.ThrowsAsync<AsgiProtocolException>(async () => await cycle.ReceiveAsync());
        Assert.Equal("receive() was called while another receive() for the same request is still pending.", ex.Message);

        body.Release("x", last: true);
        var request = Assert.IsType<HttpRequestEvent>(await first.WaitAsync(Timeout));
        Assert.False(request.MoreBody);
        Assert.False(cycle.ReceiveInFlight);
    }

    [Fact]
    public async Task A_client_that_leaves_mid_body_is_a_disconnect_and_later_sends_raise()
    {
        var body = QueuedBody.Stalled();
        var cycle = NewCycle(body);
        var read = cycle.ReceiveAsync().AsTask();
        body.Gone(cycle);

        Assert.IsType<HttpDisconnectEvent>(await read.WaitAsync(Timeout));
        Assert.True(cycle.ClientGone);
        Assert.IsType<HttpDisconnectEvent>(await cycle.ReceiveAsync());
        await Assert.ThrowsAsync<ClientDisconnectedException>(async () => await cycle.SendAsync(new HttpResponseStartEvent(200)));
    }

    [Fact]
    public async Task The_wait_ends_when_the_peer_closes()
    {
        var cycle = NewCycle(QueuedBody.Of());
        await cycle.ReceiveAsync();
        var waiting = cycle.ReceiveAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        cycle.OnPeerClosed();
        Assert.IsType<HttpDisconnectEvent>(await waiting.WaitAsync(Timeout));
    }

    [Fact]
    public async Task The_wait_ends_when_the_application_returns_and_two_waiters_share_it()
    {
        var cycle = NewCycle(QueuedBody.Of());
        await cycle.ReceiveAsync();
        var one = cycle.ReceiveAsync().AsTask();
        var two = cycle.ReceiveAsync().AsTask();

        cycle.OnAppReturned();
        Assert.IsType<HttpDisconnectEvent>(await one.WaitAsync(Timeout));
        Assert.IsType<HttpDisconnectEvent>(await two.WaitAsync(Timeout));
    }

    [Fact]
    public async Task The_wait_ends_when_the_server_answers_instead()
    {
        var cycle = NewCycle(QueuedBody.Of());
        await cycle.ReceiveAsync();
        var waiting = cycle.ReceiveAsync().AsTask();

        Assert.True(_wire.TryEnterWrite());
        Assert.True(cycle.TryAnswerInstead());
        _wire.ExitWrite();
        Assert.IsType<HttpDisconnectEvent>(await waiting.WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_signal_before_the_wait_is_not_lost()
    {
        var cycle = NewCycle(QueuedBody.Of());
        await cycle.ReceiveAsync();
        await cycle.SendAsync(new HttpResponseStartEvent(200));
        await cycle.SendAsync(new HttpResponseBodyEvent("x"u8.ToArray()));

        Assert.IsType<HttpDisconnectEvent>(await cycle.ReceiveAsync());
    }

    [Fact]
    public async Task Each_request_waits_anew_after_reset()
    {
        var cycle = NewCycle(QueuedBody.Of());
        await cycle.ReceiveAsync();
        cycle.OnAppReturned();
        Assert.IsType<HttpDisconnectEvent>(await cycle.ReceiveAsync());

        cycle.Reset(isHead: false);
        Assert.IsType<HttpRequestEvent>(await cycle.ReceiveAsync());
        var waiting = cycle.ReceiveAsync().AsTask();
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        cycle.OnAppReturned();
        Assert.IsType<HttpDisconnectEvent>(await waiting.WaitAsync(Timeout));
    }
}
