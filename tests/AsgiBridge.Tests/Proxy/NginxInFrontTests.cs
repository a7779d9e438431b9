using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// A real nginx (Debian package) in front of the host, configured close to what docs/deploy.md recommends: HTTP/1.1
/// keep-alive upstream, WebSocket upgrade headers passed, buffering off. Skipped, with the reason, without nginx.
/// </summary>
public sealed class NginxInFrontTests : IAsyncLifetime
{
    private const string NginxPath = "/usr/sbin/nginx";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("asgibridge-nginx-");
    private TestServer? _server;
    private Process? _nginx;
    private int _port;

    public async Task InitializeAsync()
    {
        if (!File.Exists(NginxPath))
        {
            return;
        }

        _server = await TestServer.StartAsync(DemoApp.App);
        _port = FreePort();
        var config = Path.Combine(_folder.FullName, "nginx.conf");
        var root = _folder.FullName;
        await File.WriteAllTextAsync(config, $$"""
            worker_processes 1;
            daemon off;
            pid {{root}}/nginx.pid;
            error_log {{root}}/error.log warn;
            events { worker_connections 256; }
            http {
              access_log off;
              client_body_temp_path {{root}}/body; proxy_temp_path {{root}}/proxy; fastcgi_temp_path {{root}}/fcgi;
              uwsgi_temp_path {{root}}/uwsgi; scgi_temp_path {{root}}/scgi;
              upstream asgi { server 127.0.0.1:{{_server.Port}}; keepalive 8; }
              map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
              server {
                listen 127.0.0.1:{{_port}};
                client_max_body_size 10m;
                location / {
                  proxy_pass http://asgi;
                  proxy_http_version 1.1;
                  proxy_set_header Host $host;
                  proxy_set_header Upgrade $http_upgrade;
                  proxy_set_header Connection $connection_upgrade;
                  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                  proxy_set_header X-Forwarded-Proto $scheme;
                  proxy_buffering off;
                  proxy_request_buffering off;
                }
              }
            }
            """);
        _nginx = Process.Start(new ProcessStartInfo(NginxPath, ["-c", config]) { UseShellExecute = false, RedirectStandardError = true })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, _port, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, timeout.Token);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_nginx is { HasExited: false })
        {
            // The whole tree: killing only the master (SIGKILL) would orphan its worker, still listening.
            _nginx.Kill(entireProcessTree: true);
            await _nginx.WaitForExitAsync();
        }

        _nginx?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }

    [SkippableFact]
    public async Task Requests_bodies_and_streams_pass_through_nginx_on_reused_upstream_connections()
    {
        Skip.If(_server is null, $"nginx is not installed at {NginxPath} (Debian package 'nginx'; .ci/run installs it).");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}/") };
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("Hello, World!", await client.GetStringAsync("/hello"));
        }

        var payload = new byte[1024 * 1024];
        new Random(7).NextBytes(payload);
        using var content = new StreamContent(new MemoryStream(payload)); // chunked upload through nginx
        using var response = await client.PostAsync("/echo/up", content);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(payload, json.RootElement.GetProperty("body").GetBytesFromBase64());

        var streamed = await client.GetByteArrayAsync("/stream?chunks=32&size=32768");
        Assert.Equal(32 * 32768, streamed.Length);
    }

    [SkippableFact]
    public async Task WebSockets_upgrade_through_nginx()
    {
        Skip.If(_server is null, $"nginx is not installed at {NginxPath}.");
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_port}/ws"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("through nginx"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1024];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("through nginx", Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [SkippableFact]
    public async Task The_client_nginx_names_in_X_Forwarded_For_is_the_scope_client()
    {
        Skip.If(_server is null, $"nginx is not installed at {NginxPath}.");

        // The client connects from 127.0.0.2: nginx (127.0.0.1, trusted by default) names it, after the entry the
        // client made up itself, which the right-to-left walk never reaches.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{_port}/") };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "6.6.6.6");
        using var json = JsonDocument.Parse(await client.GetStringAsync("/echo"));
        var scope = json.RootElement;
        Assert.Equal("127.0.0.2", scope.GetProperty("client")[0].GetString());
        Assert.Equal(0, scope.GetProperty("client")[1].GetInt32());
        Assert.Equal("http", scope.GetProperty("scheme").GetString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
