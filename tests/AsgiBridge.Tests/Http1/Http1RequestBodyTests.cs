using System.Buffers;
using System.Text;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// The request body reader over a <see cref="System.IO.Pipelines.Pipe"/>, driven through the request cycle's
/// <c>receive</c> as an application drives it: Content-Length and chunked bodies whole and a byte at a time,
/// 100 Continue, body errors (answered, then <c>http.disconnect</c>), a client that leaves, and draining.
/// </summary>
public sealed class Http1RequestBodyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Receives until <c>more_body</c> is false; the pieces' text, and the events it took.</summary>
    private static async Task<(string Body, int Events)> ReceiveAllAsync(Http1Parts parts)
    {
        var text = new StringBuilder();
        var events = 0;
        while (true)
        {
            var message = await parts.Cycle.ReceiveAsync().AsTask().WaitAsync(Timeout);
            var request = Assert.IsType<HttpRequestEvent>(message);
            events++;
            text.Append(Encoding.Latin1.GetString(request.Body.Span));
            if (!request.MoreBody)
            {
                return (text.ToString(), events);
            }
        }
    }

    [Fact]
    public async Task A_content_length_body_arrives_whole_with_more_body_false()
    {
        await using var parts = Http1Parts.Get("Content-Length: 11\r\n");
        Assert.False(parts.Body.IsComplete);
        await parts.SendAsync("hello world");

        var (body, events) = await ReceiveAllAsync(parts);
        Assert.Equal("hello world", body);
        Assert.Equal(1, events);
        Assert.True(parts.Body.IsComplete);
        Assert.Equal(11, parts.Body.Received);
    }

    [Fact]
    public async Task A_content_length_body_sent_byte_by_byte_is_the_same_body()
    {
        await using var parts = Http1Parts.Get("Content-Length: 11\r\n");
        var sending = parts.SendByteByByteAsync("hello world");
        var (body, _) = await ReceiveAllAsync(parts);
        await sending;

        Assert.Equal("hello world", body);
        Assert.True(parts.Body.IsComplete);
    }

    [Fact]
    public async Task A_content_length_body_stops_at_its_length_leaving_the_next_request_unread()
    {
        await using var parts = Http1Parts.Get("Content-Length: 3\r\n");
        await parts.SendAsync("abcGET / HTTP/1.1\r\n");

        var (body, _) = await ReceiveAllAsync(parts);
        Assert.Equal("abc", body);
        Assert.True(parts.Connection.Transport.Input.TryRead(out var rest));
        Assert.Equal("GET / HTTP/1.1\r\n", Encoding.Latin1.GetString(rest.Buffer.ToArray()));
    }

    [Fact]
    public async Task A_chunked_body_with_extensions_and_trailers_is_its_data()
    {
        await using var parts = Http1Parts.Get("Transfer-Encoding: chunked\r\n");
        await parts.SendAsync("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n");

        var (body, _) = await ReceiveAllAsync(parts);
        Assert.Equal("hello world", body);
        Assert.True(parts.Body.IsComplete);
        Assert.Equal(11, parts.Body.Received);
    }

    [Fact]
    public async Task A_chunked_body_sent_byte_by_byte_is_the_same_body()
    {
        await using var parts = Http1Parts.Get("Transfer-Encoding: chunked\r\n");
        var sending = parts.SendByteByByteAsync("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n");
        var (body, _) = await ReceiveAllAsync(parts);
        await sending;

        Assert.Equal("hello world", body);
        Assert.True(parts.Body.IsComplete);
    }

    [Fact]
    public async Task After_the_body_receive_waits_for_the_response()
    {
        await using var parts = Http1Parts.Get("Content-Length: 1\r\n");
        await parts.SendAsync("x");
        await ReceiveAllAsync(parts);

        var waiting = parts.Cycle.ReceiveAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        await parts.Cycle.SendAsync(new HttpResponseStartEvent(200));
        await parts.Cycle.SendAsync(new HttpResponseBodyEvent(default));
        Assert.IsType<HttpDisconnectEvent>(await waiting.WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_chunk_error_is_answered_400_and_the_application_gets_a_disconnect()
    {
        await using var parts = Http1Parts.Get("Transfer-Encoding: chunked\r\n");
        await parts.SendAsync("zz\r\n");

        Assert.IsType<HttpDisconnectEvent>(await parts.Cycle.ReceiveAsync().AsTask().WaitAsync(Timeout));
        Assert.True(parts.Cycle.ClientGone);
        Assert.Equal(ReuseEnd.BodyFailed, parts.Reuse.Reason);
        Assert.Equal(
            "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 20\r\nconnection: close\r\n\r\nInvalid chunk size.\n",
            parts.Flushed());
        await Assert.ThrowsAsync<ClientDisconnectedException>(async () => await parts.Cycle.SendAsync(new HttpResponseStartEvent(200)));
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_answered_413()
    {
        await using var parts = Http1Parts.For("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", new AsgiServerOptions { MaxRequestBodySize = 4 });
        await parts.SendAsync("5\r\nhello\r\n0\r\n\r\n");

        Assert.IsType<HttpDisconnectEvent>(await parts.Cycle.ReceiveAsync().AsTask().WaitAsync(Timeout));
        Assert.StartsWith("HTTP/1.1 413 Content Too Large\r\n", parts.Flushed());
    }

    [Fact]
    public async Task A_body_error_after_the_response_head_closes_without_an_answer()
    {
        await using var parts = Http1Parts.Get("Transfer-Encoding: chunked\r\n");
        await parts.Cycle.SendAsync(new HttpResponseStartEvent(200));
        await parts.Cycle.SendAsync(new HttpResponseBodyEvent("a"u8.ToArray(), moreBody: true));
        parts.Flushed();
        await parts.SendAsync("zz\r\n");

        Assert.IsType<HttpDisconnectEvent>(await parts.Cycle.ReceiveAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal("", parts.Flushed());
        Assert.False(parts.Reuse.KeepAlive);
    }

    [Fact]
    public async Task A_client_that_ends_mid_body_is_a_disconnect()
    {
        await using var parts = Http1Parts.Get("Content-Length: 10\r\n");
        await parts.SendAsync("abc");
        var first = Assert.IsType<HttpRequestEvent>(await parts.Cycle.ReceiveAsync());
        Assert.True(first.MoreBody);

        await parts.Connection.ClientInput.CompleteAsync();
        Assert.IsType<HttpDisconnectEvent>(await parts.Cycle.ReceiveAsync().AsTask().WaitAsync(Timeout));
        Assert.True(parts.Cycle.ClientGone);
        Assert.False(parts.Reuse.KeepAlive);
    }

    [Fact]
    public async Task A_body_that_stalls_past_the_timeout_is_answered_408()
    {
        await using var parts = Http1Parts.For(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
            new AsgiServerOptions { TimeoutRequestHeaders = TimeSpan.FromMilliseconds(1) });
        var receiving = parts.Cycle.ReceiveAsync().AsTask();

        // What the heartbeat does once the deadline has passed.
        await Task.Delay(50);
        parts.Connection.Transport.Input.CancelPendingRead();

        Assert.IsType<HttpDisconnectEvent>(await receiving.WaitAsync(Timeout));
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", parts.Flushed());
    }

    [Fact]
    public async Task Expect_100_continue_is_answered_at_the_first_receive_only()
    {
        await using var parts = Http1Parts.Get("Content-Length: 2\r\nExpect: 100-continue\r\n");
        Assert.Equal("", parts.Flushed());
        Assert.True(parts.Body.UninvitedBodyPending);

        var receiving = parts.Cycle.ReceiveAsync().AsTask();
        await parts.SendAsync("a");
        Assert.IsType<HttpRequestEvent>(await receiving.WaitAsync(Timeout));
        Assert.True(parts.Body.Sent100);
        Assert.False(parts.Body.UninvitedBodyPending);

        await parts.SendAsync("b");
        await ReceiveAllAsync(parts);
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", parts.Flushed());
    }

    [Fact]
    public async Task No_100_continue_for_http10_or_after_the_response_head()
    {
        await using var http10 = Http1Parts.For("POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n");
        await http10.SendAsync("a");
        await ReceiveAllAsync(http10);
        Assert.False(http10.Body.Sent100);
        Assert.Equal("", http10.Flushed());

        await using var started = Http1Parts.Get("Content-Length: 1\r\nExpect: 100-continue\r\n");
        await started.Cycle.SendAsync(new HttpResponseStartEvent(200));
        await started.Cycle.SendAsync(new HttpResponseBodyEvent("r"u8.ToArray(), moreBody: true));
        started.Flushed();
        await started.SendAsync("a");
        await ReceiveAllAsync(started);
        Assert.Equal("", started.Flushed());
    }

    [Fact]
    public async Task A_response_without_reading_an_uninvited_body_closes_the_connection()
    {
        await using var parts = Http1Parts.Get("Content-Length: 2\r\nExpect: 100-continue\r\n");
        await parts.Cycle.SendAsync(new HttpResponseStartEvent(200));
        await parts.Cycle.SendAsync(new HttpResponseBodyEvent("no"u8.ToArray()));

        Assert.Equal(ReuseEnd.UninvitedBody, parts.Reuse.Reason);
        Assert.Contains("connection: close\r\n", parts.Flushed());
    }

    [Theory]
    [InlineData("Content-Length: 10\r\n", "0123456789")]
    [InlineData("Transfer-Encoding: chunked\r\n", "4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n")]
    public async Task An_unread_body_is_drained_for_the_next_request(string framing, string body)
    {
        await using var parts = Http1Parts.Get(framing);
        var sending = parts.SendByteByByteAsync(body + "NEXT");

        Assert.True(await parts.Body.DrainAsync().AsTask().WaitAsync(Timeout));
        await sending;
        Assert.True(parts.Body.IsComplete);
        Assert.True(parts.Connection.Transport.Input.TryRead(out var rest));
        Assert.StartsWith("N", Encoding.Latin1.GetString(rest.Buffer.ToArray()));
    }

    [Fact]
    public async Task A_large_unread_body_is_not_drained_and_the_head_says_close()
    {
        await using var parts = Http1Parts.Get("Content-Length: 2000000\r\n");
        Assert.True(parts.Body.TooLargeToDrain);
        Assert.False(await parts.Body.DrainAsync());

        await parts.Cycle.SendAsync(new HttpResponseStartEvent(200));
        await parts.Cycle.SendAsync(new HttpResponseBodyEvent("x"u8.ToArray()));
        Assert.Equal(ReuseEnd.BodyTooLargeToDrain, parts.Reuse.Reason);
    }

    [Fact]
    public async Task A_drain_that_finds_a_chunk_error_gives_up_silently()
    {
        await using var parts = Http1Parts.Get("Transfer-Encoding: chunked\r\n");
        await parts.SendAsync("zz\r\n");

        Assert.False(await parts.Body.DrainAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal("", parts.Flushed());
    }
}
