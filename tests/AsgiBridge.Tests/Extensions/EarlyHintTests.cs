using System.Text;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Extensions;

/// <summary>
/// <c>http.response.early_hint</c> on the HTTP/1.1 handler over real sockets: 103 Early Hints with one Link field per
/// link before the final response, several allowed, declared only for HTTP/1.1 requests, refused after the start,
/// and a link that could split the response rejected before anything is written.
/// </summary>
public sealed class EarlyHintTests
{
    private static Dictionary<string, object?> Hint(params string[] links) => new()
    {
        ["type"] = "http.response.early_hint",
        ["links"] = links.Select(l => Encoding.ASCII.GetBytes(l)).ToList(),
    };

    [Fact]
    public async Task Hints_go_out_as_103_responses_before_the_final_one_and_the_connection_stays_usable()
    {
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            if (scope.Path == "/hinted")
            {
                await send(Hint("</style.css>; rel=preload; as=style", "</app.js>; rel=preload; as=script"));
                await send(Hint("</font.woff2>; rel=preload; as=font"));
            }

            await send(new HttpResponseStartEvent(200, [new("content-type", "text/plain")]));
            await send(new HttpResponseBodyEvent("page"u8.ToArray()));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET /hinted HTTP/1.1\r\nHost: x\r\n\r\nGET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var text = await client.ReadToEndAsync();

        Assert.StartsWith(
            "HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload; as=style\r\nlink: </app.js>; rel=preload; as=script\r\n\r\n"
            + "HTTP/1.1 103 Early Hints\r\nlink: </font.woff2>; rel=preload; as=font\r\n\r\n"
            + "HTTP/1.1 200 OK\r\n",
            text,
            StringComparison.Ordinal);
        Assert.Equal(2, CountOf(text, "HTTP/1.1 103 Early Hints\r\n"));
        Assert.Equal(2, CountOf(text, "HTTP/1.1 200 OK\r\n"));
        Assert.EndsWith("page", text, StringComparison.Ordinal);
        Assert.Equal(2, CountOf(text, "\r\n\r\npage"));
    }

    [Fact]
    public async Task The_extension_is_declared_for_http11_requests_and_not_for_http10_ones()
    {
        var declared = new List<bool>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            lock (declared)
            {
                declared.Add(scope.Extensions.ContainsKey("http.response.early_hint"));
            }

            await send(new HttpResponseStartEvent(204, []));
            await send(new HttpResponseBodyEvent(default));
        });
        using (var client = await RawClient.ConnectAsync(server))
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            await client.ReadToEndAsync();
        }

        using (var client = await RawClient.ConnectAsync(server))
        {
            await client.SendAsync("GET / HTTP/1.0\r\n\r\n");
            await client.ReadToEndAsync();
        }

        Assert.Equal([true, false], declared);
    }

    [Theory]
    [InlineData("GET / HTTP/1.0\r\n\r\n", "HTTP/1.0")]
    [InlineData("GET /after-start HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "after-start")]
    [InlineData("GET /split HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "split")]
    [InlineData("GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "empty")]
    public async Task A_hint_that_cannot_be_sent_raises_and_nothing_of_it_is_written(string request, string situation)
    {
        Exception? raised = null;
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            try
            {
                switch (scope.Path)
                {
                    case "/after-start":
                        await send(new HttpResponseStartEvent(200, []));
                        await send(Hint("</a.css>; rel=preload"));
                        break;
                    case "/split":
                        await send(Hint("</a.css>\r\nset-cookie: evil=1"));
                        break;
                    case "/empty":
                        await send(Hint());
                        break;
                    default:
                        await send(Hint("</a.css>; rel=preload"));
                        break;
                }
            }
            catch (AsgiProtocolException ex)
            {
                raised = ex;
                throw;
            }
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(request);
        var text = await client.ReadToEndAsync();

        Assert.NotNull(raised);
        Assert.Contains("http.response.early_hint", raised!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" 103 ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", text, StringComparison.Ordinal);
        Assert.Contains(" 500 ", text, StringComparison.Ordinal);
        _ = situation;
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
