using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// The host process under a low descriptor limit (<c>ulimit -n 256</c>) flooded with more connections than it can
/// hold: it must stay up with bounded memory and CPU, and serve again once the flood ends. Kestrel's own accept
/// loop spins and the process aborts with "Out of memory." within seconds in the same test (docs/security.md).
/// </summary>
public sealed class DescriptorExhaustionTests
{
    // With Asgi:LimitConnections=null the accept loop itself survives EMFILE, but the runtime needs descriptors of
    // its own at that moment and can still abort (docs/security.md#descriptor-exhaustion): only the default is held
    // to "never dies", and LimitConnections=3 under the same limit checks an explicit ceiling.
    [Theory]
    [InlineData("auto")] // the default: the ceiling derived from the limit refuses connections before exhaustion
    [InlineData("3")]
    public async Task A_host_flooded_past_its_descriptor_limit_stays_up_and_serves_again(string limitConnections)
    {
        var port = FreePort();
        using var host = HostProcess.StartWith(
            ["/bin/sh", "-c", "ulimit -n 256 && exec \"$@\"", "sh"],
            "--app", "demo", "--urls", $"http://127.0.0.1:{port}", $"--Asgi:LimitConnections={limitConnections}");
        using var process = Process.GetProcessById(host.Id);
        var clients = new List<Socket>();
        try
        {
            // The start-up line names the address: from then on the port is this host's (not another test's).
            await host.WaitForOutputAsync($"127.0.0.1:{port}", TimeSpan.FromSeconds(30));
            await WaitForHelloAsync(port, TimeSpan.FromSeconds(10));
            var baseline = ResidentKiB(process.Id);

            // 400 connections: half idle, half declaring a large body they never send.
            for (var i = 0; i < 400; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(socket);
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                    if (i % 2 == 1)
                    {
                        await socket.SendAsync("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"u8.ToArray(), SocketFlags.None);
                    }
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    // Refused or shed: what a flood past the limit should get.
                }
            }

            // Held for 30 s, sampling: alive, memory bounded, one core not pinned.
            var cpuBefore = process.TotalProcessorTime;
            var peak = 0L;
            for (var i = 0; i < 30; i++)
            {
                await Task.Delay(1000);
                Assert.False(process.HasExited, $"the host exited: {string.Join('\n', host.Stderr)}");
                peak = Math.Max(peak, ResidentKiB(process.Id));
            }

            var cpu = process.TotalProcessorTime - cpuBefore;
            Assert.True(peak < 2 * baseline, $"RSS peaked at {peak} KiB against a baseline of {baseline} KiB");
            Assert.True(cpu < TimeSpan.FromSeconds(15), $"the host used {cpu.TotalSeconds:F1} s of CPU in 30 s");

            foreach (var client in clients)
            {
                client.Dispose();
            }

            clients.Clear();
            await WaitForHelloAsync(port, TimeSpan.FromSeconds(5));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task WaitForHelloAsync(int port, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = await RawClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                await client.SendAsync("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
                var response = await client.ReadResponseAsync().WaitAsync(TimeSpan.FromSeconds(2));
                Assert.Equal("Hello, World!", response.BodyText);
                return;
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException or IOException or InvalidOperationException && clock.Elapsed < limit)
            {
                await Task.Delay(100);
            }
        }
    }

    private static long ResidentKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
