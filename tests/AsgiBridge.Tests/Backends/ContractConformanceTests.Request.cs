using System.Net;
using System.Text;
using System.Threading.Channels;
using AsgiBridge.Tests.HttpContextBackend;

namespace AsgiBridge.Tests.Backends;

/// <summary><c>receive</c>: the request body as <c>http.request</c> events, then <c>http.disconnect</c> (docs/contract.md, "receive").</summary>
public abstract partial class ContractConformanceTests
{
    /// <summary>An app that reads the whole body and answers with it; the events it got are recorded.</summary>
    private string BodyReadingRoute(List<HttpRequestEvent> events, ChannelWriter<string>? progress = null) => Backend.Route(async (scope, receive, send) =>
    {
        var body = new MemoryStream();
        while (true)
        {
            var request = Assert.IsType<HttpRequestEvent>(await receive());
            events.Add(request);
            body.Write(request.Body.Span);
            progress?.TryWrite(Encoding.UTF8.GetString(body.ToArray()));
            if (!request.MoreBody)
            {
                break;
            }
        }

        await send(new HttpResponseStartEvent(200));
        await send(new HttpResponseBodyEvent(body.ToArray()));
    });

    [Fact]
    public async Task A_content_length_body_is_received_whole_ending_with_more_body_false()
    {
        var events = new List<HttpRequestEvent>();
        var path = BodyReadingRoute(events);
        var sent = Enumerable.Range(0, 300_000).Select(i => (byte)(i % 251)).ToArray();

        using var response = await SendAsync(HttpMethod.Post, path, new ByteArrayContent(sent));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(sent, await response.Content.ReadAsByteArrayAsync());
        Assert.False(events[^1].MoreBody);
        Assert.All(events[..^1], e => Assert.True(e.MoreBody));
    }

    [Fact]
    public async Task A_streamed_body_arrives_in_pieces_with_more_body_until_the_last()
    {
        var events = new List<HttpRequestEvent>();
        var progress = Channel.CreateUnbounded<string>();
        var path = BodyReadingRoute(events, progress.Writer);
        var pieces = Channel.CreateUnbounded<byte[]>();

        var answer = SendAsync(HttpMethod.Post, path, new PushContent(pieces.Reader));
        // Each piece is sent only once the app has received everything before it: the app sees the body in pieces.
        foreach (var (piece, soFar) in new[] { ("one-", "one-"), ("two-", "one-two-"), ("three", "one-two-three") })
        {
            await pieces.Writer.WriteAsync(Encoding.UTF8.GetBytes(piece));
            while (await progress.Reader.ReadAsync().AsTask().WaitAsync(s_wait) != soFar)
            {
            }
        }

        pieces.Writer.Complete();
        using var response = await answer;
        Assert.Equal("one-two-three", await response.Content.ReadAsStringAsync());
        Assert.True(events.Count >= 3, $"{events.Count} events");
        Assert.False(events[^1].MoreBody);
        Assert.All(events[..^1], e => Assert.True(e.MoreBody));
    }

    [Fact]
    public async Task A_request_without_a_body_is_one_empty_http_request_with_more_body_false()
    {
        var events = new List<HttpRequestEvent>();
        var path = BodyReadingRoute(events);

        using var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var only = Assert.Single(events);
        Assert.True(only.Body.IsEmpty);
        Assert.False(only.MoreBody);
    }

    [Fact]
    public async Task Receive_after_the_response_is_complete_is_http_disconnect()
    {
        var after = Signal<string>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            Assert.IsType<HttpRequestEvent>(await receive());
            await RespondAsync(send, 200, "done");
            after.TrySetResult((string)(await receive())["type"]!);
        });

        using var response = await GetAsync(path);
        Assert.Equal("done", await response.Content.ReadAsStringAsync());
        Assert.Equal("http.disconnect", await after.Task.WaitAsync(s_wait));
    }

    [Fact]
    public async Task Receive_is_http_disconnect_when_the_client_goes_away_mid_response()
    {
        var after = Signal<string>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            Assert.IsType<HttpRequestEvent>(await receive());
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("first piece"u8.ToArray(), moreBody: true));
            after.TrySetResult((string)(await receive())["type"]!);
        });

        var response = await GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        Assert.True(await stream.ReadAsync(new byte[1]) == 1);
        response.Dispose(); // the client leaves before the response is complete

        Assert.Equal("http.disconnect", await after.Task.WaitAsync(s_wait));
    }

    [Fact]
    public async Task Receive_is_http_disconnect_when_the_client_goes_away_mid_body_and_a_later_start_raises()
    {
        var firstPiece = Signal<bool>();
        var after = Signal<(string Type, Exception? StartError)>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            Assert.True(Assert.IsType<HttpRequestEvent>(await receive()).MoreBody);
            firstPiece.TrySetResult(true);
            var type = (string)(await receive())["type"]!;
            var error = await Record.ExceptionAsync(async () => await send(new HttpResponseStartEvent(200)));
            after.TrySetResult((type, error));
        });
        var pieces = Channel.CreateUnbounded<byte[]>();
        using var leave = new CancellationTokenSource();

        using var request = Backend.NewRequest(HttpMethod.Post, path);
        request.Content = new PushContent(pieces.Reader);
        var answer = Backend.Client.SendAsync(request, leave.Token);
        await pieces.Writer.WriteAsync("the first piece of more to come"u8.ToArray());
        await firstPiece.Task.WaitAsync(s_wait);
        // The client leaves before the body is complete: the request is cancelled while its body is being written.
        await leave.CancelAsync();
        pieces.Writer.Complete(new OperationCanceledException(leave.Token));
        var error = await Record.ExceptionAsync(() => answer.WaitAsync(s_wait));
        Assert.True(error is OperationCanceledException or HttpRequestException, $"expected the request to fail, got {error}");

        var (type, startError) = await after.Task.WaitAsync(s_wait);
        Assert.Equal("http.disconnect", type);
        Assert.IsType<ClientDisconnectedException>(startError);
    }
}
