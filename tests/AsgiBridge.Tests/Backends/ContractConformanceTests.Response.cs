using System.Net;
using System.Text;

namespace AsgiBridge.Tests.Backends;

/// <summary><c>send</c>: the response, its framing, and what the client gets when the app breaks the rules (docs/contract.md, "send", "App outcomes").</summary>
public abstract partial class ContractConformanceTests
{
    [Fact]
    public async Task Status_headers_and_body_reach_the_client()
    {
        var path = Backend.Route((scope, receive, send) => RespondAsync(send, 201, "created", new("content-type", "text/plain"), new("x-answer", "42")));

        using var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("42", Assert.Single(response.Headers.GetValues("x-answer")));
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(7, response.Content.Headers.ContentLength);
        Assert.Equal("created", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_apps_transfer_encoding_is_dropped_and_the_server_frames_the_body()
    {
        var path = Backend.Route((scope, receive, send) => RespondAsync(send, 200, "framed by the server", new AsgiHeader("transfer-encoding", "chunked")));

        using var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.TransferEncodingChunked);
        Assert.Equal(20, response.Content.Headers.ContentLength);
        Assert.Equal("framed by the server", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_sent_in_several_events_is_streamed_as_it_is_sent()
    {
        var release = Signal<bool>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("first;"u8.ToArray(), moreBody: true));
            await release.Task;
            await send(new HttpResponseBodyEvent("second;"u8.ToArray(), moreBody: true));
            await send(new HttpResponseBodyEvent("last"u8.ToArray()));
        });

        // The head and the first piece arrive while the app still holds the rest back.
        using var response = await GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Content.Headers.NonValidated.Contains("Content-Length"));
        var stream = await response.Content.ReadAsStreamAsync();
        var first = new byte[6];
        await stream.ReadExactlyAsync(first).AsTask().WaitAsync(s_wait);
        Assert.Equal("first;", Encoding.ASCII.GetString(first));

        release.SetResult(true);
        using var rest = new StreamReader(stream);
        Assert.Equal("second;last", await rest.ReadToEndAsync().WaitAsync(s_wait));
    }

    [Fact]
    public async Task The_apps_content_length_is_honoured_for_a_body_in_pieces()
    {
        var path = Backend.Route(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("content-length", "10")]));
            await send(new HttpResponseBodyEvent("01234"u8.ToArray(), moreBody: true));
            await send(new HttpResponseBodyEvent("56789"u8.ToArray()));
        });

        using var response = await GetAsync(path);
        Assert.Equal(10, response.Content.Headers.ContentLength);
        Assert.Equal("0123456789", await response.Content.ReadAsStringAsync());
    }

    /// <summary>Faults while nothing is on the wire yet; those marked raise <see cref="AsgiProtocolException"/> in <c>send</c>.</summary>
    public static TheoryData<string, bool> FaultsBeforeTheHead => new()
    {
        { "returns-without-sending", false },
        { "returns-after-start-only", false },
        { "raises-before-start", false },
        { "raises-after-start", false },
        { "body-before-start", true },
        { "start-twice", true },
        { "header-value-with-crlf", true },
        { "header-name-not-a-token", true },
        { "body-over-content-length", true },
    };

    [Theory]
    [MemberData(nameof(FaultsBeforeTheHead))]
    public async Task A_fault_before_the_head_is_written_answers_a_clean_500(string fault, bool sendRaises)
    {
        var raised = Signal<Exception?>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            try
            {
                switch (fault)
                {
                    case "returns-without-sending":
                        break;
                    case "returns-after-start-only":
                        await send(new HttpResponseStartEvent(200, [new("x-app", "1")]));
                        break;
                    case "raises-before-start":
                        throw new InvalidOperationException("app failed");
                    case "raises-after-start":
                        await send(new HttpResponseStartEvent(200, [new("x-app", "1")]));
                        throw new InvalidOperationException("app failed");
                    case "body-before-start":
                        await send(new HttpResponseBodyEvent("x"u8.ToArray()));
                        break;
                    case "start-twice":
                        await send(new HttpResponseStartEvent(200, [new("x-app", "1")]));
                        await send(new HttpResponseStartEvent(200, [new("x-app", "2")]));
                        break;
                    case "header-value-with-crlf":
                        await send(new HttpResponseStartEvent(200, [new("x-app", "1\r\nx-injected: 1")]));
                        break;
                    case "header-name-not-a-token":
                        await send(new HttpResponseStartEvent(200, [new("x app", "1")]));
                        break;
                    case "body-over-content-length":
                        await send(new HttpResponseStartEvent(200, [new("x-app", "1"), new("content-length", "3")]));
                        await send(new HttpResponseBodyEvent("too long"u8.ToArray()));
                        break;
                }
            }
            catch (AsgiProtocolException ex)
            {
                raised.TrySetResult(ex);
                throw;
            }

            raised.TrySetResult(null);
        });

        using var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.False(response.Headers.Contains("x-app"));
        Assert.False(response.Headers.Contains("x-injected"));
        Assert.Equal("Internal Server Error", await response.Content.ReadAsStringAsync()); // uvicorn's page, byte for byte
        if (sendRaises)
        {
            Assert.IsType<AsgiProtocolException>(await raised.Task.WaitAsync(s_wait));
        }
    }

    public static TheoryData<string> FaultsAfterTheHead => new()
    {
        "raises-mid-body",
        "returns-mid-body",
        "body-short-of-content-length",
    };

    [Theory]
    [MemberData(nameof(FaultsAfterTheHead))]
    public async Task A_fault_after_the_head_is_written_aborts_the_response(string fault)
    {
        var path = Backend.Route(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, fault == "body-short-of-content-length" ? [new("content-length", "100")] : []));
            await send(new HttpResponseBodyEvent("partial"u8.ToArray(), moreBody: fault != "body-short-of-content-length"));
            if (fault == "raises-mid-body")
            {
                throw new InvalidOperationException("app failed mid-body");
            }
        });

        await AssertAbortedAsync(path);
    }

    [Fact]
    public async Task A_HEAD_response_has_the_headers_and_length_of_GET_without_a_body()
    {
        var path = Backend.Route((scope, receive, send) => RespondAsync(send, 200, "twelve bytes", new AsgiHeader("x-app", "head")));

        using var get = await GetAsync(path);
        Assert.Equal("twelve bytes", await get.Content.ReadAsStringAsync());

        using var head = await SendAsync(HttpMethod.Head, path);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("head", Assert.Single(head.Headers.GetValues("x-app")));
        Assert.Equal(12, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_204_has_no_body_and_no_content_length_whatever_the_app_sends()
    {
        var path = Backend.Route((scope, receive, send) => RespondAsync(send, 204, "not sent", new AsgiHeader("content-length", "8")));

        using var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(response.Content.Headers.NonValidated.Contains("Content-Length"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_304_has_no_body_and_keeps_the_apps_content_length()
    {
        var path = Backend.Route((scope, receive, send) => RespondAsync(send, 304, "not sent", new AsgiHeader("etag", "\"v1\""), new AsgiHeader("content-length", "8")));

        using var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"v1\"", response.Headers.ETag!.Tag);
        Assert.Equal(8, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }
}
