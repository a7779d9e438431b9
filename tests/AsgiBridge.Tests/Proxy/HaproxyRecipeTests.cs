using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AsgiBridge.Tests.Hosting;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// The HAProxy recipe of docs/deploy.md, taken from the document as written: its configuration run by a real HAProxy
/// in front of the host process started with its command line, only the addresses and the socket path replaced.
/// Through each of the backend's two servers (TCP, unix socket; the other one marked <c>disabled</c>), the echo app
/// sees the test client's own address and port. Skipped, with the reason, without HAProxy.
/// </summary>
public sealed class HaproxyRecipeTests : IDisposable
{
    private const string HaproxyPath = "/usr/sbin/haproxy";
    private const string DocBind = "bind :80";
    private const string DocTcp = "127.0.0.1:8000";
    private const string DocSocket = "/run/asgibridge/asgibridge.sock";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_client = IPAddress.Parse("127.0.0.2");

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("asgibridge-haproxy-recipe-");
    private readonly ConcurrentQueue<string> _haproxyOutput = new();
    private HostProcess? _host;
    private Process? _haproxy;

    private string SocketPath => Path.Combine(_folder.FullName, "asgibridge.sock");

    [SkippableFact]
    public async Task The_configuration_is_valid_without_warnings()
    {
        Skip.IfNot(File.Exists(HaproxyPath), $"HAProxy is not installed at {HaproxyPath} (Debian package 'haproxy'; .ci/run installs it).");
        var path = Path.Combine(_folder.FullName, "haproxy.cfg");
        await File.WriteAllTextAsync(path, Configuration(FreePort(), FreePort(), disabled: null));

        // -c checks the file and reports what it would warn about at start-up (missing timeouts, for one).
        using var check = Process.Start(new ProcessStartInfo(HaproxyPath, ["-c", "-f", path]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
        var output = check.StandardOutput.ReadToEndAsync();
        var errors = check.StandardError.ReadToEndAsync();
        await check.WaitForExitAsync();
        var all = await output + await errors;
        Assert.True(check.ExitCode == 0, all);
        Assert.DoesNotContain("[WARNING]", all, StringComparison.Ordinal);
        Assert.DoesNotContain("[ALERT]", all, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("app1", "tcp")]
    [InlineData("app2", "unix")]
    public async Task The_app_sees_the_client_of_haproxy_through_each_server(string server, string transport)
    {
        Skip.IfNot(File.Exists(HaproxyPath), $"HAProxy is not installed at {HaproxyPath} (Debian package 'haproxy'; .ci/run installs it).");
        Assert.Equal(transport, server == "app1" ? "tcp" : "unix"); // as the document's backend lists them
        var hostPort = FreePort();
        var frontend = new IPEndPoint(IPAddress.Loopback, FreePort());
        _host = StartHost(hostPort);
        await _host.WaitForOutputAsync($"Serving app 'echo' on http://unix:{SocketPath}", s_timeout);
        await _host.WaitForOutputAsync($"Serving app 'echo' on http://127.0.0.1:{hostPort}", s_timeout);

        var config = Path.Combine(_folder.FullName, "haproxy.cfg");
        await File.WriteAllTextAsync(config, Configuration(frontend.Port, hostPort, disabled: server == "app1" ? "app2" : "app1"));
        await StartHaproxyAsync(config, frontend);

        // Three requests on one connection from 127.0.0.2: each one is the test client's, not HAProxy's 127.0.0.1.
        IPEndPoint? local = null;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(s_client, 0));
                await socket.ConnectAsync(context.DnsEndPoint, token);
                local = (IPEndPoint)socket.LocalEndPoint!;
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri($"http://127.0.0.1:{frontend.Port}/"), Timeout = s_timeout };
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/through-haproxy");
            request.Headers.Add("X-Forwarded-For", "203.0.113.9"); // a client's own claim: not read behind the PROXY header
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}\n{Diagnostics()}");
            using var scope = JsonDocument.Parse(body);
            var seen = scope.RootElement.GetProperty("client");
            Assert.Equal(s_client.ToString(), seen[0].GetString());
            Assert.Equal(local!.Port, seen[1].GetInt32());
            var served = scope.RootElement.GetProperty("server");
            Assert.Equal(frontend.Address.ToString(), served[0].GetString());
            Assert.Equal(frontend.Port, served[1].GetInt32());
        }
    }

    [SkippableFact]
    public async Task A_connection_to_the_host_without_the_header_is_closed_unanswered()
    {
        Skip.IfNot(File.Exists(HaproxyPath), $"HAProxy is not installed at {HaproxyPath}.");
        var hostPort = FreePort();
        _host = StartHost(hostPort);
        await _host.WaitForOutputAsync($"Serving app 'echo' on http://127.0.0.1:{hostPort}", s_timeout);
        foreach (EndPoint endpoint in new EndPoint[] { new IPEndPoint(IPAddress.Loopback, hostPort), new UnixDomainSocketEndPoint(SocketPath) })
        {
            using var client = await RawClient.ConnectAsync(endpoint);
            await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal("", await client.ReadToEndAsync(s_timeout));
        }
    }

    public void Dispose()
    {
        if (_haproxy is not null)
        {
            if (!_haproxy.HasExited)
            {
                _haproxy.Kill(entireProcessTree: true);
                _haproxy.WaitForExit(10_000);
            }

            _haproxy.Dispose();
        }

        _host?.Dispose();
        _folder.Delete(recursive: true);
    }

    /// <summary>
    /// The document's configuration with its addresses replaced, and with <paramref name="disabled"/>'s server line
    /// marked <c>disabled</c> so that every connection goes to the other one.
    /// </summary>
    private string Configuration(int frontendPort, int hostPort, string? disabled)
    {
        var config = DeployDoc.Block("<!-- deploy-haproxy-config -->", "haproxy");
        foreach (var expected in new[] { DocBind, $"server app1 {DocTcp} send-proxy-v2", $"server app2 unix@{DocSocket} send-proxy-v2" })
        {
            Assert.Contains(expected, config, StringComparison.Ordinal);
        }

        config = config
            .Replace(DocBind, $"bind 127.0.0.1:{frontendPort}", StringComparison.Ordinal)
            .Replace(DocTcp, $"127.0.0.1:{hostPort}", StringComparison.Ordinal)
            .Replace(DocSocket, SocketPath, StringComparison.Ordinal);
        if (disabled is null)
        {
            return config + "\n";
        }

        var lines = config.Split('\n');
        var line = Array.FindIndex(lines, l => l.TrimStart().StartsWith($"server {disabled} ", StringComparison.Ordinal));
        lines[line] += " disabled";
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The host with the document's command line, its addresses replaced, serving the echo app.</summary>
    private HostProcess StartHost(int port)
    {
        var words = DeployDoc.SplitCommand(DeployDoc.Block("<!-- deploy-haproxy-host -->", "sh"));
        Assert.Equal(["dotnet", "MyApp.dll"], words.Take(2));
        var args = words.Skip(2)
            .Select(w => w.Replace(DocTcp, $"127.0.0.1:{port}", StringComparison.Ordinal).Replace(DocSocket, SocketPath, StringComparison.Ordinal))
            .Concat(["--app", "echo"])
            .ToArray();
        return HostProcess.Start(args);
    }

    private async Task StartHaproxyAsync(string config, IPEndPoint frontend)
    {
        // -db: in the foreground, one process, so stopping it by its id stops HAProxy.
        _haproxy = new Process { StartInfo = new ProcessStartInfo(HaproxyPath, ["-db", "-f", config]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true } };
        _haproxy.OutputDataReceived += (_, e) => _haproxyOutput.Enqueue(e.Data ?? "");
        _haproxy.ErrorDataReceived += (_, e) => _haproxyOutput.Enqueue(e.Data ?? "");
        _haproxy.Start();
        _haproxy.BeginErrorReadLine();
        _haproxy.BeginOutputReadLine();
        using var timeout = new CancellationTokenSource(s_timeout);
        while (true)
        {
            Assert.False(_haproxy.HasExited, "HAProxy exited:\n" + Diagnostics());
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(frontend, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, timeout.Token);
            }
        }
    }

    private string Diagnostics() =>
        "HAProxy:\n" + string.Join('\n', _haproxyOutput) + "\nHost:\n" + string.Join('\n', _host?.Stdout ?? []) + "\n" + string.Join('\n', _host?.Stderr ?? []);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
