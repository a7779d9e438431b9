using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// A real HAProxy (Debian package) in TCP mode in front of the host, sending <c>send-proxy</c> (v1) and
/// <c>send-proxy-v2</c> to a TCP endpoint and to a unix socket: the app sees the outside client's address and port,
/// and the HAProxy frontend it connected to, not HAProxy's own connection. Skipped, with the reason, without HAProxy.
/// </summary>
public sealed class HaproxyInFrontTests : IAsyncLifetime
{
    private const string HaproxyPath = "/usr/sbin/haproxy";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("asgibridge-haproxy-");
    private readonly Dictionary<string, IPEndPoint> _frontends = [];
    private ProxyProtocolHost? _v1;
    private ProxyProtocolHost? _v2;
    private Process? _haproxy;

    public async Task InitializeAsync()
    {
        if (!File.Exists(HaproxyPath))
        {
            return;
        }

        static void Trust(AsgiServerOptions options, AsgiProxyProtocol protocol)
        {
            options.ProxyProtocol = protocol;
            options.ForwardedAllowIps = "127.0.0.1,unix";
        }

        _v1 = await ProxyProtocolHost.StartAsync(o => Trust(o, AsgiProxyProtocol.V1));
        _v2 = await ProxyProtocolHost.StartAsync(o => Trust(o, AsgiProxyProtocol.V2));
        var backends = new (string Name, string Server, IPAddress Bind)[]
        {
            ("v1-tcp", $"127.0.0.1:{_v1.Tcp.Port} send-proxy", IPAddress.Loopback),
            ("v2-tcp", $"127.0.0.1:{_v2.Tcp.Port} send-proxy-v2", IPAddress.Loopback),
            ("v1-unix", $"unix@{_v1.UnixPath} send-proxy", IPAddress.Loopback),
            ("v2-unix", $"unix@{_v2.UnixPath} send-proxy-v2", IPAddress.Loopback),
            ("v1-tcp6", $"127.0.0.1:{_v1.Tcp.Port} send-proxy", IPAddress.IPv6Loopback),
            ("v2-tcp6", $"127.0.0.1:{_v2.Tcp.Port} send-proxy-v2", IPAddress.IPv6Loopback),
        };
        var config = new System.Text.StringBuilder("""
            global
              maxconn 64
            defaults
              mode tcp
              timeout connect 5s
              timeout client 30s
              timeout server 30s

            """);
        foreach (var (name, server, bind) in backends)
        {
            var frontend = new IPEndPoint(bind, FreePort(bind));
            _frontends[name] = frontend;
            config.Append(System.Globalization.CultureInfo.InvariantCulture, $"""
                frontend {name}
                  bind {(bind.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind.ToString())}:{frontend.Port}
                  default_backend {name}
                backend {name}
                  server s {server}

                """);
        }

        var path = Path.Combine(_folder.FullName, "haproxy.cfg");
        await File.WriteAllTextAsync(path, config.ToString());
        // -db: stay in the foreground, one process, so stopping it by its id stops HAProxy.
        _haproxy = Process.Start(new ProcessStartInfo(HaproxyPath, ["-db", "-f", path]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
        _haproxy.BeginErrorReadLine();
        _haproxy.BeginOutputReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        foreach (var frontend in _frontends.Values)
        {
            while (true)
            {
                try
                {
                    using var probe = new Socket(frontend.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    await probe.ConnectAsync(frontend, timeout.Token);
                    break;
                }
                catch (SocketException) when (!_haproxy.HasExited)
                {
                    await Task.Delay(50, timeout.Token);
                }
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_haproxy is { HasExited: false })
        {
            _haproxy.Kill(entireProcessTree: true);
            await _haproxy.WaitForExitAsync();
        }

        _haproxy?.Dispose();
        if (_v1 is not null)
        {
            await _v1.DisposeAsync();
        }

        if (_v2 is not null)
        {
            await _v2.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }

    [SkippableTheory]
    [InlineData("v1-tcp")]
    [InlineData("v2-tcp")]
    [InlineData("v1-unix")]
    [InlineData("v2-unix")]
    [InlineData("v1-tcp6")]
    [InlineData("v2-tcp6")]
    public async Task The_app_sees_the_client_of_haproxy_not_haproxy(string frontendName)
    {
        Skip.If(_v1 is null, $"HAProxy is not installed at {HaproxyPath} (Debian package 'haproxy'; .ci/run installs it).");
        var frontend = _frontends[frontendName];
        var host = frontendName.StartsWith("v1", StringComparison.Ordinal) ? _v1! : _v2!;
        var callsBefore = host.AppCalls;
        using var client = await RawClient.ConnectAsync(frontend);
        var local = (IPEndPoint)client.Socket.LocalEndPoint!;
        for (var i = 0; i < 3; i++)
        {
            var (seen, server, _) = await ProxyProtocolHost.EchoAsync(client, "GET /through-haproxy HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray(), i);
            Assert.Equal(local.Address.ToString(), seen[0].GetString());
            Assert.Equal(local.Port, seen[1].GetInt32());
            Assert.Equal(frontend.Address.ToString(), server[0].GetString());
            Assert.Equal(frontend.Port, server[1].GetInt32());
        }

        Assert.Equal(callsBefore + 3, host.AppCalls);
        Assert.Equal(0, host.Rejections);
    }

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
