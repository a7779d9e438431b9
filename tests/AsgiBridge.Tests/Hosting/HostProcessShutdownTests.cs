using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// The real host process under SIGTERM, as a supervisor or Ctrl-C stops it: every request accepted before the
/// signal is answered (counted), the lifespan shutdown runs, and the process exits 0.
/// </summary>
public sealed class HostProcessShutdownTests
{
    [Fact]
    public async Task Sigterm_during_a_load_of_slow_requests_loses_none_of_them()
    {
        const int count = 30;
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Host.dll"), "--app", "demo", "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var clients = new List<RawClient>();
        try
        {
            var server = new PortOnly(port);
            await WaitForListenerAsync(port);
            for (var i = 0; i < count; i++)
            {
                var client = await RawClient.ConnectAsync(server.Endpoint);
                clients.Add(client);

                // A first request proves Kestrel accepted the connection (not just the kernel).
                await client.SendAsync("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
                await client.ReadResponseAsync();
                await client.SendAsync("GET /sleep?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n");
            }

            await Task.Delay(500); // the slow requests are parsed and waiting in the app
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
                Assert.Equal(0, kill.ExitCode);
            }

            var responses = await Task.WhenAll(clients.Select(c => c.ReadResponsesAsync(2, timeout: TimeSpan.FromSeconds(20))));
            var answered = responses.Count(r => r.Count == 2 && r[1].Status == 200 && r[1].BodyText == "slept 1500");
            Assert.Equal(count, answered);
            Assert.All(responses, r => Assert.Equal("close", r[1].Header("connection")));

            Assert.True(process.WaitForExit(20_000), "the host did not exit after SIGTERM");
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("lifespan shutdown", await output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await errors;
        }
    }

    [Fact]
    public async Task A_second_signal_forces_exit_without_waiting_for_requests()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Host.dll"), "--app", "demo", "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await WaitForListenerAsync(port);
            using var client = await RawClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            await client.SendAsync("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            await client.ReadResponseAsync();
            await client.SendAsync("GET /sleep?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n");
            await Task.Delay(300);
            await SignalAsync(process.Id); // graceful: would wait up to the 30 s shutdown timeout for /sleep
            await Task.Delay(300);
            await SignalAsync(process.Id); // forced
            Assert.True(process.WaitForExit(10_000), "the second signal did not force an exit");
            Assert.Equal(130, process.ExitCode);
            Assert.Contains("Second signal", await errors, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await output;
        }
    }

    private static async Task SignalAsync(int pid)
    {
        using var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task WaitForListenerAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, timeout.Token);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record PortOnly(int Port)
    {
        public IPEndPoint Endpoint => new(IPAddress.Loopback, Port);
    }
}
