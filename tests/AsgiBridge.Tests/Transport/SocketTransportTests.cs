using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;
using AsgiBridge.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace AsgiBridge.Tests.Transport;

public sealed class SocketTransportTests
{
    [Fact]
    public void Connections_get_the_options_kestrel_itself_would_give_them()
    {
        // Kestrel's internal constructor carries its pinned-block memory pool; without it connections would use the
        // shared array pool. A framework update that removes it must fail here, not degrade quietly.
        Assert.NotNull(AsgiSocketTransportFactory.s_kestrelOptionsConstructor);
        var options = new SocketTransportOptions { IOQueueCount = 3, MaxReadBufferSize = 12345, UnsafePreferInlineScheduling = true };
        var made = AsgiSocketTransportFactory.FactoryOptions(options);
        Assert.Equal(3, made.IOQueueCount);
        Assert.Equal(12345, made.MaxReadBufferSize);
        Assert.True(made.UnsafePreferInlineScheduling);
    }

    [Fact]
    public async Task The_host_accepts_through_the_asgibridge_listener()
    {
        await using var server = await TestServer.StartAsync(HelloApp.App);
        Assert.IsType<AsgiSocketTransportFactory>(server.Services.GetServices<IConnectionListenerFactory>().Last());
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }
}
