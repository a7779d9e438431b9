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

    [Theory]
    [InlineData(null, 512)]
    [InlineData("77", 77)]
    public async Task The_listen_backlog_is_asgi_backlog_else_kestrels(string? backlog, int expected)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/ss"))
        {
            return; // the kernel shows a listening socket's backlog through ss (its Send-Q) only on Linux
        }

        await using var server = await TestServer.StartAsync(HelloApp.App, args: backlog is null ? [] : [$"--Asgi:Backlog={backlog}"]);
        var port = ((System.Net.IPEndPoint)server.EndPoint).Port;
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/ss", ["-ltnH", $"sport = :{port}"]) { RedirectStandardOutput = true };
        using var ss = System.Diagnostics.Process.Start(start)!;
        var line = (await ss.StandardOutput.ReadToEndAsync()).Trim();
        await ss.WaitForExitAsync();

        // LISTEN <Recv-Q: connections waiting> <Send-Q: the backlog, capped at net.core.somaxconn> <local> <peer>
        var somaxconn = int.Parse(File.ReadAllText("/proc/sys/net/core/somaxconn").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Math.Min(expected, somaxconn).ToString(System.Globalization.CultureInfo.InvariantCulture), columns[2]);
    }
}
