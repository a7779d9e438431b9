using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Hosting;

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task A_connection_past_the_limit_is_closed_at_once_and_the_open_ones_keep_working()
    {
        await using var server = await TestServer.StartAsync(HelloApp.App, o => o.LimitConnections = 3);
        using var measurements = new AsgiBridge.Tests.Diagnostics.HostMeasurements(server.Services);
        var open = new List<RawClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var client = await RawClient.ConnectAsync(server);
                open.Add(client);
                await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                Assert.Equal(200, (await client.ReadResponseAsync()).Status);
            }

            // Closed as soon as it is accepted, with a reset: no response, nothing read. The reset can arrive before
            // the client's connect has completed, and then the connect reports it.
            Assert.Equal("closed", await ConnectAndReadEndAsync(server));

            Assert.Contains(server.Logs.Entries, e => e.Message.Contains("Asgi:LimitConnections (3) reached", StringComparison.Ordinal));
            var rejected = Assert.Single(measurements.Of("asgibridge.connections.rejected"));
            Assert.Equal("connection_limit", rejected.Tags["error.type"]);
            await open[0].SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(200, (await open[0].ReadResponseAsync()).Status);

            // Once one closes, a new connection is served again (the count drops when the server sees the close).
            open[0].Dispose();
            open.RemoveAt(0);
            var served = false;
            for (var attempt = 0; attempt < 50 && !served; attempt++)
            {
                try
                {
                    using var next = await RawClient.ConnectAsync(server);
                    await next.SendAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    var text = await next.ReadToEndAsync(TimeSpan.FromSeconds(1));
                    served = text.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // Still refused (reset): the server has not seen the close yet.
                }

                if (!served)
                {
                    await Task.Delay(100);
                }
            }

            Assert.True(served);
        }
        finally
        {
            foreach (var client in open)
            {
                client.Dispose();
            }
        }
    }

    private static async Task<string> ConnectAndReadEndAsync(TestServer server)
    {
        RawClient client;
        try
        {
            client = await RawClient.ConnectAsync(server);
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
        {
            return "closed";
        }

        using (client)
        {
            return await ReadEndAsync(client);
        }
    }

    private static async Task<string> ReadEndAsync(RawClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var read = await client.Socket.ReceiveAsync(new byte[1], System.Net.Sockets.SocketFlags.None, timeout.Token);
            return read == 0 ? "closed" : "data";
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
        {
            return "closed";
        }
        catch (OperationCanceledException)
        {
            return "open";
        }
    }

    [Theory]
    [InlineData(1024, 150, 772)]
    [InlineData(256, 150, 42)]
    [InlineData(20000, 150, 17850)]
    [InlineData(100, 150, 1)]
    public void The_derived_limit_keeps_a_tenth_of_the_descriptors_spare_and_at_least_64(long softLimit, int inUse, int expected) =>
        Assert.Equal(expected, AsgiBridge.Hosting.DescriptorLimit.CeilingFor(softLimit, inUse));
}
