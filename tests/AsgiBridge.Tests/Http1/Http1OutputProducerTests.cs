using AsgiBridge.Cycle;
using AsgiBridge.Http1;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// The HTTP/1.1 output producer over a <see cref="System.IO.Pipelines.Pipe"/>: framing of what the request cycle
/// hands it (content-length, chunked, close-delimited, no body), the keep-alive it reports, the deferred flush of a
/// keep-alive response and the parked output pipelined responses share, and the server's own answers.
/// </summary>
public sealed class Http1OutputProducerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static HttpResponseStartEvent Start(int status = 200, params AsgiHeader[] headers) => new(status, headers);

    private static HttpResponseBodyEvent Body(string text, bool more = false) => new(System.Text.Encoding.Latin1.GetBytes(text), more);

    [Fact]
    public async Task A_one_piece_response_gets_a_content_length_and_waits_for_the_next_flush()
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start(200, new AsgiHeader("content-type", "text/plain")));
        await parts.Cycle.SendAsync(Body("Hello"));

        // Keep-alive: the last piece stays in the pipe until the connection would wait.
        Assert.Equal("", parts.Flushed());
        Assert.True(parts.Output.FlushPending);
        Assert.True(parts.Reuse.KeepAlive);

        await parts.Output.FlushPendingAsync();
        Assert.Equal("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nHello", parts.Flushed());
        Assert.False(parts.Output.FlushPending);
    }

    [Fact]
    public async Task Pipelined_responses_continue_in_the_parked_memory_and_go_out_in_one_flush()
    {
        await using var parts = Http1Parts.Get();
        for (var i = 0; i < 3; i++)
        {
            parts.StartRequest();
            await parts.Cycle.SendAsync(Start());
            await parts.Cycle.SendAsync(Body($"r{i}"));
        }

        Assert.Equal("", parts.Flushed());
        await parts.Output.FlushPendingAsync();
        var one = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n";
        Assert.Equal($"{one}r0{one}r1{one}r2", parts.Flushed());
    }

    [Fact]
    public async Task A_streamed_response_is_chunked_on_http11_and_each_piece_is_flushed()
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start());
        await parts.Cycle.SendAsync(Body("abc", more: true));
        Assert.Equal("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n", parts.Flushed());

        // An empty piece in the middle of a stream puts nothing on the wire.
        await parts.Cycle.SendAsync(Body("", more: true));
        Assert.Equal("", parts.Flushed());

        await parts.Cycle.SendAsync(Body("0123456789abcdefg", more: true));
        Assert.Equal("11\r\n0123456789abcdefg\r\n", parts.Flushed());

        await parts.Cycle.SendAsync(Body(""));
        Assert.Equal(ResponseFraming.Chunked, parts.Output.Framing);
        Assert.True(parts.Reuse.KeepAlive);
        Assert.Equal("0\r\n\r\n", await parts.CompleteAndReadAsync());
    }

    [Fact]
    public async Task A_streamed_response_to_http10_is_close_delimited_and_ends_the_connection()
    {
        await using var parts = Http1Parts.Get("Connection: keep-alive\r\n", version: "HTTP/1.0");
        await parts.Cycle.SendAsync(Start());
        await parts.Cycle.SendAsync(Body("abc", more: true));
        await parts.Cycle.SendAsync(Body("def"));

        Assert.Equal(ResponseFraming.CloseDelimited, parts.Output.Framing);
        Assert.False(parts.Reuse.KeepAlive);
        Assert.Equal(ReuseEnd.CloseDelimited, parts.Reuse.Reason);
        Assert.Equal("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabcdef", parts.Flushed() + await parts.CompleteAndReadAsync());
    }

    [Fact]
    public async Task A_keep_alive_http10_response_says_so()
    {
        await using var parts = Http1Parts.Get("Connection: keep-alive\r\n", version: "HTTP/1.0");
        await parts.Cycle.SendAsync(Start());
        await parts.Cycle.SendAsync(Body("x"));

        Assert.Equal("HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: keep-alive\r\n\r\nx", await parts.CompleteAndReadAsync());
    }

    [Fact]
    public async Task A_head_response_keeps_the_length_and_drops_the_body()
    {
        await using var parts = Http1Parts.Get(method: "HEAD");
        await parts.Cycle.SendAsync(Start());
        await parts.Cycle.SendAsync(Body("Hello"));

        Assert.Equal(ResponseFraming.None, parts.Output.Framing);
        Assert.Equal("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", await parts.CompleteAndReadAsync());
    }

    [Theory]
    [InlineData(204, "HTTP/1.1 204 No Content\r\n\r\n")]
    [InlineData(304, "HTTP/1.1 304 Not Modified\r\ncontent-length: 3\r\n\r\n")]
    public async Task Bodyless_statuses_carry_no_body_and_a_204_no_content_length(int status, string expected)
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start(status, new AsgiHeader("content-length", "3")));
        await parts.Cycle.SendAsync(Body("abc"));

        Assert.Equal(expected, await parts.CompleteAndReadAsync());
        Assert.True(parts.Reuse.KeepAlive);
    }

    [Fact]
    public async Task A_1xx_final_status_closes_the_connection()
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start(102));
        await parts.Cycle.SendAsync(Body(""));

        Assert.False(parts.Reuse.KeepAlive);
        Assert.Equal(ReuseEnd.InformationalFinalStatus, parts.Reuse.Reason);
        Assert.Equal("HTTP/1.1 102 Processing\r\nconnection: close\r\n\r\n", parts.Flushed());
    }

    [Fact]
    public async Task The_apps_transfer_encoding_is_dropped_and_its_connection_close_is_honoured()
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start(200, new AsgiHeader("Transfer-Encoding", "gzip"), new AsgiHeader("Connection", "close")));
        await parts.Cycle.SendAsync(Body("ab", more: true));
        await parts.Cycle.SendAsync(Body(""));

        Assert.False(parts.Reuse.KeepAlive);
        Assert.Equal(ReuseEnd.AppAskedClose, parts.Reuse.Reason);
        Assert.Equal(
            "HTTP/1.1 200 OK\r\nConnection: close\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
            parts.Flushed() + await parts.CompleteAndReadAsync());
    }

    [Fact]
    public async Task A_short_one_piece_response_says_connection_close_in_its_head()
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start(200, new AsgiHeader("content-length", "10")));
        await parts.Cycle.SendAsync(Body("abc"));

        Assert.Equal(ReuseEnd.ShortResponse, parts.Reuse.Reason);
        Assert.Equal("HTTP/1.1 200 OK\r\ncontent-length: 10\r\nconnection: close\r\n\r\nabc", parts.Flushed());
    }

    [Fact]
    public async Task A_response_short_at_a_later_piece_is_flushed_at_once_and_ends_the_connection()
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start(200, new AsgiHeader("content-length", "10")));
        await parts.Cycle.SendAsync(Body("abc", more: true));
        await parts.Cycle.SendAsync(Body("d"));

        Assert.False(parts.Reuse.KeepAlive);
        Assert.False(parts.Output.FlushPending);
        Assert.Equal("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabcd", parts.Flushed());
    }

    [Fact]
    public async Task A_close_request_during_the_response_says_connection_close()
    {
        await using var parts = Http1Parts.Get();
        parts.Reuse.RequestClose();
        await parts.Cycle.SendAsync(Start());
        await parts.Cycle.SendAsync(Body("x"));

        Assert.Equal(ReuseEnd.CloseRequested, parts.Reuse.Reason);
        Assert.Equal("HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\nx", parts.Flushed());
    }

    [Fact]
    public async Task A_large_first_piece_is_written_after_the_head_in_flushed_slices()
    {
        await using var parts = Http1Parts.Get();
        var body = new string('x', 200_000);
        await parts.Cycle.SendAsync(Start());
        var reading = parts.ReadToEndAsync();
        await parts.Cycle.SendAsync(Body(body)).AsTask().WaitAsync(Timeout);
        await parts.Output.CompleteAsync();

        Assert.Equal($"HTTP/1.1 200 OK\r\ncontent-length: 200000\r\n\r\n{body}", await reading.WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_large_chunk_keeps_its_size_across_slices()
    {
        await using var parts = Http1Parts.Get();
        var body = new string('y', 70_000);
        await parts.Cycle.SendAsync(Start());
        var reading = parts.ReadToEndAsync();
        await parts.Cycle.SendAsync(Body("a", more: true));
        await parts.Cycle.SendAsync(Body(body)).AsTask().WaitAsync(Timeout);
        await parts.Output.CompleteAsync();

        var expected = $"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n10000\r\n{body[..65536]}\r\n{70_000 - 65536:x}\r\n{body[65536..]}\r\n0\r\n\r\n";
        Assert.Equal(expected, await reading.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Pathsend_writes_the_head_with_the_files_length_then_the_file()
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "file body");
        try
        {
            await using var parts = Http1Parts.Get();
            await parts.Cycle.SendAsync(Start());
            await parts.Cycle.SendAsync(new HttpResponsePathSendEvent(path));
            Assert.True(parts.Output.FlushPending);
            await parts.Output.FlushPendingAsync();

            Assert.Equal("HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nfile body", parts.Flushed());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Trailers_end_a_chunked_body_in_its_last_chunk()
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start());
        await parts.Cycle.SendAsync(Body("ab", more: true));
        await parts.Output.EnterWriteAsync();
        await parts.Output.WriteTrailersAsync([new AsgiHeader("x-checksum", "42")]);
        parts.Output.ExitWrite();

        Assert.Equal(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nx-checksum: 42\r\n\r\n",
            parts.Flushed() + await parts.CompleteAndReadAsync());
    }

    [Fact]
    public async Task Informational_heads_carry_their_headers_and_go_out_at_once()
    {
        await using var parts = Http1Parts.Get();
        await parts.Output.WriteInformationalAsync(103, [new AsgiHeader("link", "</a.css>; rel=preload")]);
        Assert.Equal("HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n", parts.Flushed());

        Assert.True(await parts.Output.TryWriteContinueAsync());
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", parts.Flushed());
    }

    [Fact]
    public async Task No_100_continue_once_the_response_head_is_written()
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start());
        await parts.Cycle.SendAsync(Body("a", more: true));
        parts.Flushed();

        Assert.False(await parts.Output.TryWriteContinueAsync());
        Assert.Equal("", parts.Flushed());
    }

    [Fact]
    public async Task A_body_error_is_answered_only_before_the_apps_head()
    {
        await using var parts = Http1Parts.Get();
        await parts.Output.TryAnswerWhileRunningAsync(RequestRejection.BodyTooLarge);
        Assert.True(parts.Cycle.IsComplete);
        Assert.Equal(
            "HTTP/1.1 413 Content Too Large\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 24\r\nconnection: close\r\n\r\nRequest body too large.\n",
            parts.Flushed());

        parts.StartRequest();
        await parts.Cycle.SendAsync(Start());
        await parts.Cycle.SendAsync(Body("a", more: true));
        parts.Flushed();
        await parts.Output.TryAnswerWhileRunningAsync(RequestRejection.BodyTooLarge);
        Assert.Equal("", parts.Flushed());
        Assert.Equal(ResponseState.HeadWritten, parts.Cycle.State);
    }

    [Fact]
    public async Task A_flush_that_finds_the_client_gone_raises_while_the_response_is_incomplete()
    {
        await using var parts = Http1Parts.Get();
        await parts.Cycle.SendAsync(Start());
        await parts.Connection.ClientOutput.CompleteAsync();

        await Assert.ThrowsAsync<ClientDisconnectedException>(async () => await parts.Cycle.SendAsync(Body("a", more: true)));
        Assert.True(parts.Cycle.ClientGone);
    }
}
