using System.Net;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Extensions;

/// <summary>The <c>http.response.pathsend</c> extension: a file as the whole response body, over a real socket.</summary>
public sealed class PathSendTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("asgibridge-pathsend-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteFile(string name, byte[] content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Starts the response with <paramref name="headers"/>, then sends <paramref name="path"/> as a dictionary event, as a Python-style app would.</summary>
    private static AsgiApp SendFile(string path, params AsgiHeader[] headers) => async (scope, receive, send) =>
    {
        await send(new HttpResponseStartEvent(200, [new("content-type", "application/octet-stream"), .. headers]));
        await send(new Dictionary<string, object?> { ["type"] = "http.response.pathsend", ["path"] = path });
    };

    [Fact]
    public async Task An_http_scope_declares_the_extension_and_a_websocket_scope_does_not()
    {
        var seen = new TaskCompletionSource<(bool Http, bool Typed)>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            // Another rarely used key first: the scope then makes its own side object, which must keep the declaration.
            Assert.Equal("3.0", ((IDictionary<string, object?>)scope["asgi"]!)["version"]);
            var extensions = (IDictionary<string, object?>)scope["extensions"]!;
            seen.TrySetResult((extensions.ContainsKey("http.response.pathsend"), scope.Extensions.ContainsKey("http.response.pathsend")));
            await send(new HttpResponseStartEvent(204));
            await send(new HttpResponseBodyEvent(default));
        });

        using var client = new HttpClient { BaseAddress = server.BaseUri };
        using var response = await client.GetAsync("/");
        Assert.Equal((true, true), await seen.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_websocket_scope_declares_only_its_own_extension()
    {
        var seen = new TaskCompletionSource<string>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            var extensions = (IDictionary<string, object?>)scope["extensions"]!;
            seen.TrySetResult(string.Join(",", extensions.Keys.Order(StringComparer.Ordinal)));
            await receive();
            await send(WebSocketCloseEvent.Close());
        });

        using var raw = await RawClient.ConnectAsync(server);
        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        Assert.Equal(403, (await raw.ReadResponseAsync()).Status);
        Assert.Equal("websocket.http.response", await seen.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_file_is_sent_whole_with_its_length_then_the_connection_serves_the_next_request()
    {
        var content = new byte[(1024 * 1024) + 17];
        new Random(6).NextBytes(content);
        var path = WriteFile("big.bin", content);
        await using var server = await TestServer.StartAsync(SendFile(path));

        using var raw = await RawClient.ConnectAsync(server);
        await raw.SendAsync("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = await raw.ReadResponsesAsync(2, timeout: TimeSpan.FromSeconds(30));
        foreach (var response in responses)
        {
            Assert.Equal(200, response.Status);
            Assert.Equal(content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Header("content-length"));
            Assert.False(response.Chunked);
            Assert.Equal(content, response.Body);
        }
    }

    [Fact]
    public async Task The_typed_event_sends_the_file_and_HEAD_gets_the_length_without_the_bytes()
    {
        var path = WriteFile("small.txt", "file body"u8.ToArray());
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponsePathSendEvent(path));
        });

        using var raw = await RawClient.ConnectAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var get = await raw.ReadResponseAsync();
        Assert.Equal("file body", get.BodyText);
        Assert.Equal("9", get.Header("content-length"));

        await raw.SendAsync("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var head = await raw.ReadResponseAsync("HEAD");
        Assert.Equal("9", head.Header("content-length"));
        Assert.Empty(head.Body);
        Assert.Equal("file body", (await raw.ReadResponseAsync()).BodyText);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("relative")]
    [InlineData("before-start")]
    [InlineData("after-body")]
    [InlineData("longer-than-content-length")]
    public async Task A_pathsend_the_server_cannot_honour_raises_to_the_app_and_the_client_gets_a_clean_500(string fault)
    {
        var path = WriteFile("five.txt", "12345"u8.ToArray());
        var raised = new TaskCompletionSource<Exception>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            try
            {
                switch (fault)
                {
                    case "missing":
                        await send(new HttpResponseStartEvent(200));
                        await send(new HttpResponsePathSendEvent(Path.Combine(Path.GetDirectoryName(path)!, "no-such-file")));
                        break;
                    case "relative":
                        await send(new HttpResponseStartEvent(200));
                        await send(new HttpResponsePathSendEvent("five.txt"));
                        break;
                    case "before-start":
                        await send(new HttpResponsePathSendEvent(path));
                        break;
                    case "after-body":
                        await send(new HttpResponseStartEvent(200));
                        await send(new HttpResponseBodyEvent("x"u8.ToArray(), moreBody: true));
                        await send(new HttpResponsePathSendEvent(path));
                        break;
                    default:
                        await send(new HttpResponseStartEvent(200, [new("content-length", "4")]));
                        await send(new HttpResponsePathSendEvent(path));
                        break;
                }
            }
            catch (Exception ex)
            {
                raised.TrySetResult(ex);
                throw;
            }
        });

        using var client = new HttpClient { BaseAddress = server.BaseUri };
        if (fault == "after-body")
        {
            // The head and a first piece are on the wire: the response can only be cut short, never completed.
            await Assert.ThrowsAnyAsync<HttpRequestException>(async () => await (await client.GetAsync("/")).Content.ReadAsByteArrayAsync());
        }
        else
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        var exception = await raised.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (fault == "missing")
        {
            Assert.IsAssignableFrom<IOException>(exception);
        }
        else
        {
            Assert.IsType<AsgiProtocolException>(exception);
        }
    }

    [Fact]
    public async Task A_file_shorter_than_the_app_content_length_is_sent_and_the_connection_closes()
    {
        var path = WriteFile("three.txt", "abc"u8.ToArray());
        await using var server = await TestServer.StartAsync(SendFile(path, new AsgiHeader("content-length", "10")));

        using var raw = await RawClient.ConnectAsync(server);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var text = await raw.ReadToEndAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("content-length: 10\r\n", text);
        Assert.EndsWith("\r\n\r\nabc", text);
    }
}
