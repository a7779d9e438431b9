using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using AsgiBridge.Testing;

namespace AsgiBridge.Tests.Testing;

/// <summary>The in-memory test client on the built-in apps, and on apps that break the rules.</summary>
public sealed class AsgiTestClientTests
{
    [Fact]
    public async Task The_demo_app_answers_its_pages_in_memory_with_its_lifespan_run()
    {
        await using var client = new AsgiTestClient(DemoApp.App);
        var http = client.HttpClient;

        Assert.Equal("Hello, World!", await http.GetStringAsync(new Uri("/hello", UriKind.Relative)));

        // /state shows what the lifespan startup stored: the lifespan ran before the first request.
        using (var state = JsonDocument.Parse(await http.GetStringAsync(new Uri("/state", UriKind.Relative))))
        {
            Assert.True(state.RootElement.TryGetProperty("started_at", out _));
        }

        var streamed = await http.GetByteArrayAsync(new Uri("/stream?chunks=3&size=4", UriKind.Relative));
        Assert.Equal(12, streamed.Length);

        using var missing = await http.GetAsync(new Uri("/nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_echo_app_sees_the_request_body_and_scope()
    {
        await using var client = new AsgiTestClient(EchoApp.App);
        using var response = await client.HttpClient.PostAsync(new Uri("/echo/here?x=1", UriKind.Relative), new StringContent("payload"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("POST", root.GetProperty("method").GetString());
        Assert.Equal("/echo/here", root.GetProperty("path").GetString());
        Assert.Equal("x=1", root.GetProperty("query_string").GetString());
        Assert.Equal("", root.GetProperty("root_path").GetString());
        Assert.Equal("payload", Encoding.UTF8.GetString(root.GetProperty("body").GetBytesFromBase64()));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("demo")]
    public async Task A_WebSocket_session_echoes(string name)
    {
        Assert.True(BuiltInApps.TryGet(name, out var app));
        await using var client = new AsgiTestClient(app);
        using var socket = await client.ConnectWebSocketAsync("/ws");
        await socket.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[16];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("ping", Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_app_that_sends_a_body_before_starting_fails_as_in_production()
    {
        var raised = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = new AsgiTestClient(async (scope, receive, send) =>
        {
            if (scope.Type != "http")
            {
                return;
            }

            try
            {
                await send(new HttpResponseBodyEvent("oops"u8.ToArray()));
            }
            catch (Exception ex)
            {
                raised.TrySetResult(ex);
                throw;
            }
        });
        using var response = await client.HttpClient.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = Assert.IsType<AsgiProtocolException>(await raised.Task);
        Assert.Equal("'http.response.body' event sent before 'http.response.start'.", error.Message);
    }

    [Fact]
    public async Task Lifespan_starts_before_the_first_request_and_shuts_down_on_dispose()
    {
        var events = new List<string>();
        AsgiApp app = async (scope, receive, send) =>
        {
            if (scope.Type == "lifespan")
            {
                while (true)
                {
                    var message = await receive();
                    lock (events)
                    {
                        events.Add((string)message["type"]!);
                    }

                    if ((string)message["type"]! == "lifespan.startup")
                    {
                        await send(LifespanEvent.StartupComplete());
                    }
                    else
                    {
                        await send(LifespanEvent.ShutdownComplete());
                        return;
                    }
                }
            }

            await send(new HttpResponseStartEvent(204));
            await send(new HttpResponseBodyEvent(ReadOnlyMemory<byte>.Empty));
        };

        var client = new AsgiTestClient(app);
        Assert.Empty(events);
        using (var response = await client.HttpClient.GetAsync(new Uri("/", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Equal(["lifespan.startup"], events);
        await client.DisposeAsync();
        Assert.Equal(["lifespan.startup", "lifespan.shutdown"], events);
    }

    [Fact]
    public async Task A_failed_lifespan_startup_fails_StartAsync()
    {
        await using var client = new AsgiTestClient(async (scope, receive, send) =>
        {
            await receive();
            await send(LifespanEvent.StartupFailed("no database"));
        });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(client.StartAsync);
        Assert.Contains("no database", error.Message, StringComparison.Ordinal);
    }
}
