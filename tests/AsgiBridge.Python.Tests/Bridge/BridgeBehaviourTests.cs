using System.Diagnostics;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Bridge;

/// <summary>
/// What the bridge promises beyond uvicorn 0.17's behaviour (docs/python.md): requests interleave on the one loop,
/// lifespan state reaches every scope, the server's extensions work from Python, app faults are logged with the
/// Python traceback.
/// </summary>
public sealed class BridgeBehaviourTests(BridgeServer fixture) : IClassFixture<BridgeServer>
{
    [SkippableFact]
    public async Task Requests_waiting_on_asyncio_interleave_on_the_loop()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var watch = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => RawHttp.SendAsync(fixture.Server.Port, "GET", "/sleep?0.5")));
        watch.Stop();
        Assert.All(responses, r => Assert.Equal("slept", r.Text));

        // 20 requests of half a second each: one after another would take 10 s.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
    }

    [SkippableFact]
    public async Task Lifespan_state_reaches_each_request_as_a_copy()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var response = await RawHttp.SendAsync(fixture.Server.Port, "GET", "/state");
        Assert.Equal("{\"started\": \"yes\"}", response.Text);
    }

    [SkippableFact]
    public async Task The_server_declares_its_extensions_to_Python()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var response = await RawHttp.SendAsync(fixture.Server.Port, "GET", "/extensions");
        Assert.Equal("[\"http.response.early_hint\", \"http.response.pathsend\"]", response.Text);
    }

    [SkippableFact]
    public async Task Pathsend_from_Python_sends_the_file()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var response = await RawHttp.SendAsync(fixture.Server.Port, "GET", "/pathsend");
        Assert.Equal(200, response.Status);
        Assert.Equal("Hello from a file.\n", response.Text);
        Assert.Equal("19", response.Header("content-length"));
    }

    [SkippableFact]
    public async Task A_header_that_could_split_the_response_raises_in_Python_and_the_client_gets_a_500()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var response = await RawHttp.SendAsync(fixture.Server.Port, "GET", "/bad-header");
        Assert.Equal(500, response.Status);
        Assert.Null(response.Header("x-bad"));
        await WaitForOutputAsync("RuntimeError");
    }

    [SkippableFact]
    public async Task An_app_exception_is_logged_with_the_Python_traceback()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var response = await RawHttp.SendAsync(fixture.Server.Port, "GET", "/boom");
        Assert.Equal(500, response.Status);
        await WaitForOutputAsync("ValueError: boom before the response");
        Assert.Contains(fixture.Server.Output, l => l.Contains("raw_app.py", StringComparison.Ordinal) && l.Contains("line", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_WebSocket_denial_with_an_HTTP_response_reaches_the_client()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var response = await RawHttp.SendAsync(fixture.Server.Port, "GET", "/ws-http-deny", [("upgrade", "websocket"), ("connection", "upgrade"), ("sec-websocket-version", "13"), ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")]);
        Assert.Equal(401, response.Status);
        Assert.Equal("no ticket", response.Text);
    }

    [SkippableFact]
    public async Task A_cancelled_receive_keeps_its_event_for_the_next_one()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var response = await RawHttp.SendAsync(fixture.Server.Port, "GET", "/cancelled-receive");
        Assert.Equal("ok", response.Text);
        await WaitForOutputAsync("after-cancel: http.disconnect");
    }

    [SkippableFact]
    public async Task Two_tasks_awaiting_receive_both_get_the_disconnect()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var response = await RawHttp.SendAsync(fixture.Server.Port, "GET", "/concurrent-receive");
        Assert.Equal("both waiting", response.Text);
        await WaitForOutputAsync("concurrent: http.disconnect, http.disconnect");
    }

    [SkippableFact]
    public async Task A_binary_WebSocket_message_round_trips()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{fixture.Server.Port}/ws"), cancel.Token);
        var payload = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        await socket.SendAsync(payload, System.Net.WebSockets.WebSocketMessageType.Binary, true, cancel.Token);
        var received = new MemoryStream();
        var buffer = new byte[16384];
        System.Net.WebSockets.WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cancel.Token);
            received.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        Assert.Equal(payload.Reverse(), received.ToArray());
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", cancel.Token);
    }

    [SkippableFact]
    public async Task Send_is_a_coroutine_function_as_under_uvicorn()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var response = await RawHttp.SendAsync(fixture.Server.Port, "GET", "/send-awaitable");
        Assert.Equal(200, response.Status);

        // Apps may hand send(...) to asyncio.create_task or check inspect.iscoroutinefunction(send) (docs/python.md); the
        // route runs receive() and both sends as tasks. Under uvicorn the same (RawAppDifferentialTests).
        Assert.Equal(
            "asyncio.iscoroutine(send(m)): True\ninspect.isawaitable(send(m)): True\ninspect.iscoroutinefunction(send): True\n" +
            "asyncio.iscoroutinefunction(send): True\ninspect.iscoroutinefunction(receive): True\nasyncio.iscoroutinefunction(receive): True\n" +
            "send signature: (message)\nreceive(): http.request",
            response.Text);
    }

    [SkippableFact]
    public async Task A_request_runs_in_a_named_asyncio_task_or_in_one_of_the_loops_task_factory()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);

        // A real asyncio.Task, listed by all_tasks() (anyio and sniffio look for it), named after the scope.
        using var plain = System.Text.Json.JsonDocument.Parse((await RawHttp.SendAsync(fixture.Server.Port, "GET", "/task")).Text);
        Assert.Equal("Task", plain.RootElement.GetProperty("type").GetString());
        Assert.True(plain.RootElement.GetProperty("is_task").GetBoolean());
        Assert.True(plain.RootElement.GetProperty("listed").GetBoolean());
        Assert.Matches("^asgi-http-[0-9]+$", plain.RootElement.GetProperty("name").GetString());

        // With a task factory on the loop, the task is the factory's (as loop.create_task makes it), with the same name.
        Assert.Equal(200, (await RawHttp.SendAsync(fixture.Server.Port, "GET", "/task-factory")).Status);
        try
        {
            using var made = System.Text.Json.JsonDocument.Parse((await RawHttp.SendAsync(fixture.Server.Port, "GET", "/task")).Text);
            Assert.Equal("FactoryTask", made.RootElement.GetProperty("type").GetString());
            Assert.True(made.RootElement.GetProperty("listed").GetBoolean());
            Assert.Matches("^asgi-http-[0-9]+$", made.RootElement.GetProperty("name").GetString());
        }
        finally
        {
            await RawHttp.SendAsync(fixture.Server.Port, "GET", "/task-factory?off");
        }
    }

    private async Task WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!fixture.Server.Output.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' not in the output:\n{string.Join('\n', fixture.Server.Output)}");
            await Task.Delay(50);
        }
    }
}
