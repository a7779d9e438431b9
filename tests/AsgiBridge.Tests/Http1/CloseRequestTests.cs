using AsgiBridge.Hosting;
using AsgiBridge.Http1;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// A close request (Kestrel's graceful shutdown) that arrives while a keep-alive response is being sent, driven on
/// an in-memory connection so the request lands at an exact point. The last piece of such a response is written
/// but not yet flushed (pipelined responses share one flush), so closing must still deliver it.
/// </summary>
public sealed class CloseRequestTests
{
    [Fact]
    public async Task A_response_finished_after_a_close_request_goes_out_whole_before_the_connection_ends()
    {
        await using var connection = new InMemoryConnection();
        AsgiApp app = async (scope, receive, send) =>
        {
            await send(new HttpResponseStartEvent(200, [new("content-type", "text/plain")]));
            await send(new HttpResponseBodyEvent("first,"u8.ToArray(), moreBody: true));
            connection.RequestClose();
            await send(new HttpResponseBodyEvent("last"u8.ToArray()));
        };

        var options = new AsgiServerOptions();
        using var http = new Http1Connection(connection, app, new ConnectionSettings(options, new AsgiServerState(Options.Create(options))), NullLogger.Instance);
        var processing = http.ProcessAsync();
        await connection.ClientInput.WriteAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray());

        var response = await connection.ReadAllOutputAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await processing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.Contains("transfer-encoding: chunked\r\n", response);
        Assert.EndsWith("\r\n\r\n6\r\nfirst,\r\n4\r\nlast\r\n0\r\n\r\n", response);
    }
}
