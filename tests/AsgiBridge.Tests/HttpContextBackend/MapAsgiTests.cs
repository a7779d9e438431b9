using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;

namespace AsgiBridge.Tests.HttpContextBackend;

/// <summary>
/// An ASGI app mapped with <c>MapAsgi</c> beside minimal API endpoints in one ASP.NET Core application, over real
/// sockets and in memory under TestServer: the same expectations for both.
/// </summary>
public sealed class MapAsgiTests
{
    public static TheoryData<bool> Hosts => new() { false, true };

    private static Task<AspNetCoreHost> StartAsync(bool inMemory, AsgiApp app, Action<WebApplication>? before = null) =>
        AspNetCoreHost.StartAsync(inMemory, web =>
        {
            before?.Invoke(web);
            web.MapGet("/health", () => "ok");
            web.MapGet("/api/sum", (int a, int b) => Results.Ok(new { sum = a + b }));
            web.MapAsgi("/asgi", app);
        }, builder => builder.Services.AddAsgi(o => o.Lifespan = AsgiLifespanMode.Off));

    private static async Task<JsonElement> EchoAsync(HttpClient client, string target)
    {
        using var response = await client.GetAsync(new Uri(target, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task MapAsgi_serves_its_prefix_beside_MapGet_and_a_minimal_api(bool inMemory)
    {
        await using var host = await StartAsync(inMemory, EchoApp.App);
        using var client = host.CreateClient();

        Assert.Equal("ok", await client.GetStringAsync(new Uri("/health", UriKind.Relative)));
        Assert.Contains("\"sum\":5", await client.GetStringAsync(new Uri("/api/sum?a=2&b=3", UriKind.Relative)), StringComparison.Ordinal);

        var echo = await EchoAsync(client, "/asgi/items/a%20b?x=1&y=%2F");
        Assert.Equal("http", echo.GetProperty("type").GetString());
        Assert.Equal("1.1", echo.GetProperty("http_version").GetString());
        Assert.Equal("GET", echo.GetProperty("method").GetString());
        Assert.Equal("http", echo.GetProperty("scheme").GetString());
        Assert.Equal("/asgi", echo.GetProperty("root_path").GetString());
        Assert.Equal("/asgi/items/a b", echo.GetProperty("path").GetString());
        Assert.Equal("/asgi/items/a%20b", echo.GetProperty("raw_path").GetString());
        Assert.Equal("x=1&y=%2F", echo.GetProperty("query_string").GetString());
        var headers = echo.GetProperty("headers").EnumerateArray().Select(h => (h[0].GetString(), h[1].GetString())).ToList();
        Assert.Contains(headers, h => h.Item1 == "host");
        Assert.All(headers, h => Assert.Equal(h.Item1, h.Item1!.ToLowerInvariant()));
        Assert.DoesNotContain(headers, h => h.Item1!.StartsWith(':'));

        // The prefix itself, and nothing that merely starts with its letters.
        Assert.Equal("/asgi", (await EchoAsync(client, "/asgi")).GetProperty("path").GetString());
        using var other = await client.GetAsync(new Uri("/asgiother", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);

        if (!inMemory)
        {
            Assert.Equal("127.0.0.1", echo.GetProperty("client")[0].GetString());
            Assert.Equal(host.BaseUri.Port, echo.GetProperty("server")[1].GetInt32());
        }
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task Root_path_is_the_path_base_plus_the_matched_prefix_and_path_includes_it(bool inMemory)
    {
        await using var host = await StartAsync(inMemory, EchoApp.App, web => web.UsePathBase("/base"));
        using var client = host.CreateClient();
        var echo = await EchoAsync(client, "/base/ASGI/x");
        Assert.Equal("/base/ASGI", echo.GetProperty("root_path").GetString());
        Assert.Equal("/base/ASGI/x", echo.GetProperty("path").GetString());
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task UseAsgi_in_a_Map_branch_gets_the_branch_as_root_path(bool inMemory)
    {
        await using var host = await AspNetCoreHost.StartAsync(inMemory, web =>
        {
            web.MapGet("/health", () => "ok");
            web.Map("/branch", branch => branch.UseAsgi(EchoApp.App));
        });
        using var client = host.CreateClient();
        var echo = await EchoAsync(client, "/branch/deep/er");
        Assert.Equal("/branch", echo.GetProperty("root_path").GetString());
        Assert.Equal("/branch/deep/er", echo.GetProperty("path").GetString());
        Assert.Equal("ok", await client.GetStringAsync(new Uri("/health", UriKind.Relative)));
    }

    [Fact]
    public async Task UseForwardedHeaders_sets_the_scope_client_and_scheme()
    {
        await using var host = await StartAsync(inMemory: false, EchoApp.App, web => web.UseForwardedHeaders(new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
        }));
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/asgi/fwd", UriKind.Relative));
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var response = await client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("https", json.RootElement.GetProperty("scheme").GetString());
        Assert.Equal("203.0.113.7", json.RootElement.GetProperty("client")[0].GetString());
    }

    [Fact]
    public async Task A_forwarded_prefix_becomes_part_of_root_path_path_and_raw_path()
    {
        await using var host = await StartAsync(inMemory: false, EchoApp.App, web => web.UseForwardedHeaders(new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedPrefix,
        }));
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/asgi/x%20y", UriKind.Relative));
        request.Headers.Add("X-Forwarded-Prefix", "/fwd");
        using var response = await client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("/fwd/asgi", json.RootElement.GetProperty("root_path").GetString());
        Assert.Equal("/fwd/asgi/x y", json.RootElement.GetProperty("path").GetString());
        Assert.Equal("/fwd/asgi/x%20y", json.RootElement.GetProperty("raw_path").GetString());
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task Request_and_response_bodies_stream_piece_by_piece(bool inMemory)
    {
        var firstPieceSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clientGotFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AsgiApp app = async (scope, receive, send) =>
        {
            var total = 0;
            while (true)
            {
                var message = await receive();
                if (message is not HttpRequestEvent piece)
                {
                    return;
                }

                total += piece.Body.Length;
                if (!piece.Body.IsEmpty)
                {
                    firstPieceSeen.TrySetResult();
                }

                if (!piece.MoreBody)
                {
                    break;
                }
            }

            await send(new HttpResponseStartEvent(200, [new("content-type", "application/octet-stream")]));
            await send(new HttpResponseBodyEvent("early"u8.ToArray(), moreBody: true));
            await clientGotFirst.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await send(new HttpResponseBodyEvent(Encoding.ASCII.GetBytes($"|{total}"), moreBody: false));
        };
        await using var host = await StartAsync(inMemory, app);
        using var client = host.CreateClient();
        var pieces = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/asgi/stream", UriKind.Relative))
        {
            Content = new PushContent(pieces.Reader),
        };
        var sending = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        // The app sees the first piece while the client has not sent the second yet.
        await pieces.Writer.WriteAsync("first"u8.ToArray());
        await firstPieceSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await pieces.Writer.WriteAsync("second"u8.ToArray());
        pieces.Writer.Complete();

        // The client reads the first response piece while the app has not sent the last one yet.
        using var response = await sending.WaitAsync(TimeSpan.FromSeconds(10));
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        var read = await body.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("early", Encoding.ASCII.GetString(buffer, 0, read));
        clientGotFirst.SetResult();
        using var rest = new MemoryStream();
        await body.CopyToAsync(rest).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("|11", Encoding.ASCII.GetString(rest.ToArray()));
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task An_app_that_raises_before_starting_gets_a_clean_500(bool inMemory)
    {
        await using var host = await StartAsync(inMemory, (_, _, _) => throw new InvalidOperationException("boom"));
        using var client = host.CreateClient();
        using var response = await client.GetAsync(new Uri("/asgi/x", UriKind.Relative));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("Internal Server Error", await response.Content.ReadAsStringAsync()); // uvicorn's page, byte for byte
        Assert.Contains(host.Logs.Entries, e => e.Exception?.Message == "boom");
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task An_app_that_raises_after_starting_aborts_the_response(bool inMemory)
    {
        await using var host = await StartAsync(inMemory, async (_, _, send) =>
        {
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("partial"u8.ToArray(), moreBody: true));
            throw new InvalidOperationException("late boom");
        });
        using var client = host.CreateClient();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await client.GetAsync(new Uri("/asgi/x", UriKind.Relative));
            await response.Content.ReadAsByteArrayAsync();
        });
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task More_bytes_than_the_content_length_raise_to_the_app_and_answer_500(bool inMemory)
    {
        var raised = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await StartAsync(inMemory, async (_, _, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("content-length", "2")]));
            try
            {
                await send(new HttpResponseBodyEvent("three"u8.ToArray()));
            }
            catch (AsgiProtocolException ex)
            {
                raised.TrySetResult(ex.Message);
                throw;
            }
        });
        using var client = host.CreateClient();
        using var response = await client.GetAsync(new Uri("/asgi/x", UriKind.Relative));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("'http.response.body' event: key 'body': the response would exceed its content-length of 2 bytes.", await raised.Task);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task A_WebSocket_is_echoed(bool inMemory)
    {
        await using var host = await StartAsync(inMemory, EchoApp.App);
        using var socket = await host.ConnectWebSocketAsync("/asgi/ws", "chat");
        Assert.Equal("chat", socket.SubProtocol);
        await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.Equal("hello", Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_Asgi_body_size_limit_applies_on_Kestrel()
    {
        await using var host = await AspNetCoreHost.StartAsync(false, web => web.MapAsgi("/asgi", EchoApp.App),
            builder => builder.Services.AddAsgi(o =>
            {
                o.Lifespan = AsgiLifespanMode.Off;
                o.MaxRequestBodySize = 10;
            }));
        using var client = host.CreateClient();
        using var response = await client.PostAsync(new Uri("/asgi/upload", UriKind.Relative), new ByteArrayContent(new byte[100]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Requests_are_in_the_access_log_and_in_AspNetCore_http_server_metrics()
    {
        var durations = new List<(string? Route, int? Status)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.request.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            string? route = null;
            int? status = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "http.route")
                {
                    route = tag.Value as string;
                }
                else if (tag.Key == "http.response.status_code")
                {
                    status = Convert.ToInt32(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            lock (durations)
            {
                durations.Add((route, status));
            }
        });
        listener.Start();

        await using var host = await StartAsync(inMemory: false, TestApps.Respond(201, "made"));
        using var client = host.CreateClient();
        using var response = await client.GetAsync(new Uri("/asgi/thing?q=1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await host.StopAsync();

        var line = Assert.Single(host.Logs.Entries, e => e.Category == "AsgiBridge.AccessLog");
        Assert.Contains("\"GET /asgi/thing?q=1 HTTP/1.1\" 201 4 B", line.Message, StringComparison.Ordinal);
        lock (durations)
        {
            Assert.Contains(durations, d => d.Route == "/asgi/{**asgiPath}" && d.Status == 201);
        }
    }
}
