using System.Net.Sockets;
using System.Text;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// Closing after a response while the client is still sending must not lose the response to a TCP reset
/// (RFC 9112 §9.6): the server reads and discards the rest before it closes.
/// </summary>
public sealed class LingeringCloseOverSocketTests
{
    [Fact]
    public async Task A_rejection_reaches_a_client_that_keeps_sending()
    {
        await using var server = await TestServer.StartAsync(Host.Apps.EchoApp.App, o => o.MaxRequestBodySize = 1000);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var client = await RawClient.ConnectAsync(server);
            await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n");
            var sending = KeepSending(client, 30 * 16 * 1024);
            var text = await client.ReadToEndAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith("HTTP/1.1 413 ", text, StringComparison.Ordinal);
            Assert.EndsWith("Request body too large.\n", text, StringComparison.Ordinal);
            await sending;
        }
    }

    [Fact]
    public async Task A_large_closing_response_is_delivered_whole_while_the_client_still_uploads()
    {
        var body = new byte[2 * 1024 * 1024];
        Array.Fill(body, (byte)'z');
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("connection", "close")]));
            await send(new HttpResponseBodyEvent(body));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 600000\r\n\r\n");
        var sending = KeepSending(client, 70 * 8 * 1024);
        var responses = await client.ReadResponsesAsync(1, timeout: TimeSpan.FromSeconds(15));
        Assert.Single(responses);
        Assert.Equal(body.Length, responses[0].Body.Length);
        await sending;
    }

    /// <summary>
    /// A client still uploading: one blocking send of <paramref name="bytes"/> on a thread of its own, so the upload
    /// pauses only when the server does not read (a pause of the test's own scheduling under load would look like
    /// a client gone quiet, which the server may rightly close on). Ends quietly when the server closes.
    /// </summary>
    private static Task KeepSending(RawClient client, int bytes) => Task.Factory.StartNew(
        () =>
        {
            try
            {
                client.Socket.Send(new byte[bytes]);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    [Fact]
    public async Task A_client_reset_mid_body_gives_the_app_http_disconnect_not_an_exception()
    {
        var seen = new TaskCompletionSource<string>();
        await using var server = await TestServer.StartAsync(TestApps.ReportFirstNonRequestEvent(seen));
        using (var client = await RawClient.ConnectAsync(server))
        {
            await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + new string('a', 1000));
            await Task.Delay(100);
            client.Socket.LingerState = new LingerOption(true, 0); // close with a reset
        }

        Assert.Equal("http.disconnect", await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await Task.Delay(100);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task A_large_unread_body_is_not_drained_the_connection_closes_instead()
    {
        await using var server = await TestServer.StartAsync(Host.Apps.HelloApp.App);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n" + new string('a', 100));
        var response = await client.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal("close", response.Header("connection"));
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("Hello, World!", Encoding.ASCII.GetString(response.Body));
    }
}
