using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.HttpContextBackend;

/// <summary>
/// The HttpContext backend over Kestrel's HTTP/2 (h2c with prior knowledge), pathsend, HEAD, and Kestrel enforcing
/// the Asgi request-body rate.
/// </summary>
public sealed class HttpContextProtocolTests
{
    private static Task<AspNetCoreHost> StartHttp2Async(AsgiApp app) =>
        AspNetCoreHost.StartAsync(false, web => web.MapAsgi("/asgi", app), builder =>
        {
            builder.Services.AddAsgi(o => o.Lifespan = AsgiLifespanMode.Off);
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        });

    [Fact]
    public async Task Over_http2_the_scope_says_2_and_authority_is_the_host_header()
    {
        await using var host = await StartHttp2Async(EchoApp.App);
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.PostAsync(new Uri(host.BaseUri, "/asgi/h2?q=1"), new StringContent("body over h2"));
        Assert.Equal(HttpVersion.Version20, response.Version);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("2", root.GetProperty("http_version").GetString());
        Assert.Equal("/asgi/h2", root.GetProperty("path").GetString());
        Assert.Equal("q=1", root.GetProperty("query_string").GetString());
        Assert.Equal("body over h2", Encoding.UTF8.GetString(root.GetProperty("body").GetBytesFromBase64()));
        var headers = root.GetProperty("headers").EnumerateArray().Select(h => (Name: h[0].GetString()!, Value: h[1].GetString()!)).ToList();
        Assert.DoesNotContain(headers, h => h.Name.StartsWith(':'));
        Assert.Contains(headers, h => h.Name == "host" && h.Value == host.BaseUri.Authority);
    }

    [Fact]
    public async Task Over_http2_the_body_rate_is_not_set_per_stream_so_no_request_throws_inside_the_server()
    {
        // Kestrel's HTTP/2 streams refuse a per-request MinRequestBodyDataRate other than null with an exception:
        // setting it on every request cost an exception thrown and caught per request.
        var thrown = 0;
        void OnFirstChance(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is NotSupportedException && e.Exception.Message.Contains("HTTP/2", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref thrown);
            }
        }

        await using var host = await StartHttp2Async(EchoApp.App);
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
        try
        {
            for (var i = 0; i < 20; i++)
            {
                using var response = await client.PostAsync(new Uri(host.BaseUri, "/asgi/rate"), new StringContent("body"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;
        }

        Assert.Equal(0, thrown);
    }

    [Fact]
    public async Task Over_http2_a_streamed_response_arrives_whole_and_an_incomplete_one_resets_the_stream()
    {
        await using var host = await StartHttp2Async(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("connection", "keep-alive"), new("transfer-encoding", "chunked")]));
            for (var i = 0; i < 3; i++)
            {
                await send(new HttpResponseBodyEvent(Encoding.ASCII.GetBytes($"piece{i};"), moreBody: true));
            }

            if (scope.Path.EndsWith("/broken", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("gone wrong");
            }

            await send(new HttpResponseBodyEvent(ReadOnlyMemory<byte>.Empty));
        });
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Assert.Equal("piece0;piece1;piece2;", await client.GetStringAsync(new Uri(host.BaseUri, "/asgi/whole")));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.GetStringAsync(new Uri(host.BaseUri, "/asgi/broken")));
    }

    [Fact]
    public async Task A_websocket_over_http2_uses_extended_connect()
    {
        await using var host = await StartHttp2Async(EchoApp.App);
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var handler = new SocketsHttpHandler();
        using var invoker = new HttpMessageInvoker(handler);
        await socket.ConnectAsync(new Uri($"ws://{host.BaseUri.Authority}/asgi/ws"), invoker, CancellationToken.None);
        await socket.SendAsync("over h2"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[32];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("over h2", Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pathsend_sends_the_file_and_HEAD_gets_the_length_without_a_body(bool inMemory)
    {
        var file = Path.Combine(Path.GetTempPath(), $"asgibridge-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, "file contents here");
        try
        {
            await using var host = await AspNetCoreHost.StartAsync(inMemory, web => web.MapAsgi("/files", async (scope, receive, send) =>
            {
                await send(new HttpResponseStartEvent(200, [new("content-type", "text/plain")]));
                await send(new HttpResponsePathSendEvent(file));
            }), builder => builder.Services.AddAsgi(o => o.Lifespan = AsgiLifespanMode.Off));
            using var client = host.CreateClient();
            Assert.Equal("file contents here", await client.GetStringAsync(new Uri("/files/x", UriKind.Relative)));

            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri("/files/x", UriKind.Relative)));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(18, head.Content.Headers.ContentLength);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Kestrel_enforces_the_Asgi_request_body_rate_and_the_app_sees_a_disconnect()
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await AspNetCoreHost.StartAsync(false, web => web.MapAsgi("/slow", async (scope, receive, send) =>
        {
            while (true)
            {
                var message = await receive();
                if (message is not HttpRequestEvent { MoreBody: true })
                {
                    seen.TrySetResult((string)message["type"]!);
                    return;
                }
            }
        }), builder => builder.Services.AddAsgi(o =>
        {
            o.Lifespan = AsgiLifespanMode.Off;
            o.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 100_000, gracePeriod: TimeSpan.FromSeconds(1.5));
        }));

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, host.BaseUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /slow/x HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nabc"));
        Assert.Equal("http.disconnect", await seen.Task.WaitAsync(TimeSpan.FromSeconds(15)));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("HTTP/1.1 408 Request Timeout", statusLine);
    }

    [Fact]
    public async Task A_header_value_Kestrel_refuses_raises_to_the_app_and_answers_a_clean_500()
    {
        // obs-text (0x80-0xFF) is allowed by the contract; Kestrel refuses it without a response header encoding.
        var raised = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await AspNetCoreHost.StartAsync(false, web => web.MapAsgi("/asgi", async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new AsgiHeader("x-name"u8.ToArray(), new byte[] { 0x63, 0x61, 0x66, 0xE9 })]));
            try
            {
                await send(new HttpResponseBodyEvent("body"u8.ToArray()));
            }
            catch (Exception ex)
            {
                raised.TrySetResult(ex);
                throw;
            }
        }), builder => builder.Services.AddAsgi(o => o.Lifespan = AsgiLifespanMode.Off));
        using var client = host.CreateClient();
        using var response = await client.GetAsync(new Uri("/asgi/x", UriKind.Relative));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.False(response.Headers.Contains("x-name"));
        var error = Assert.IsType<AsgiProtocolException>(await raised.Task);
        Assert.StartsWith("'http.response.start' event: key 'headers': the server refused the value of 'x-name'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2")]
    public async Task Under_tls_the_scope_declares_the_tls_extension(string version)
    {
        using var certificate = TestCertificates.Create();
        AsgiApp app = async (scope, receive, send) =>
        {
            var extensions = scope.Extensions;
            var tls = (IDictionary<string, object?>)extensions["tls"]!;
            var text = $"{scope.HttpVersion}|{scope.Scheme}|{string.Join(",", extensions.Keys.Order(StringComparer.Ordinal))}|{tls["tls_version"]}|{((string?)tls["server_cert"])?.StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)}";
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent(Encoding.ASCII.GetBytes(text)));
        };
        await using var host = await AspNetCoreHost.StartAsync(false, web => web.MapAsgi("/asgi", app), builder =>
        {
            builder.Services.AddAsgi(o => o.Lifespan = AsgiLifespanMode.Off);
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        });
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler) { DefaultRequestVersion = version == "2" ? HttpVersion.Version20 : HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var answer = await client.GetStringAsync(new Uri($"https://127.0.0.1:{host.BaseUri.Port}/asgi/tls"));
        var parts = answer.Split('|');
        Assert.Equal(version, parts[0]);
        Assert.Equal("https", parts[1]);
        Assert.Equal(version == "2" ? "http.response.pathsend,http.response.trailers,tls" : "http.response.pathsend,tls", parts[2]);
        Assert.True(int.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture) >= 0x0303, parts[3]);
        Assert.Equal("True", parts[4]);
    }

    [Fact]
    public async Task Asgi_LimitConcurrency_refuses_a_request_over_the_limit_with_503()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await AspNetCoreHost.StartAsync(false, web => web.MapAsgi("/asgi", async (scope, receive, send) =>
        {
            if (scope.Path.EndsWith("/slow", StringComparison.Ordinal))
            {
                entered.TrySetResult();
                await release.Task;
            }

            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("done"u8.ToArray()));
        }), builder => builder.Services.AddAsgi(o =>
        {
            o.Lifespan = AsgiLifespanMode.Off;
            o.LimitConcurrency = 1;
        }));
        using var client = host.CreateClient();
        var slow = client.GetStringAsync(new Uri("/asgi/slow", UriKind.Relative));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using (var refused = await client.GetAsync(new Uri("/asgi/fast", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        release.SetResult();
        Assert.Equal("done", await slow.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("done", await client.GetStringAsync(new Uri("/asgi/fast", UriKind.Relative)));
    }
}
