using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// The nginx site of docs/deploy.md, taken from the document as written, in front of a host listening on TCP and on a
/// unix socket with the settings the document gives (<c>ForwardedAllowIps=127.0.0.1,unix</c>,
/// <c>ForwardedPrefix=true</c>): client, scheme and root_path, a stream, a large upload and a WebSocket, through
/// each upstream. Skipped, with the reason, without nginx.
/// </summary>
public sealed class DeployRecipeTests : IAsyncLifetime
{
    private const string NginxPath = "/usr/sbin/nginx";
    private const string Marker = "<!-- deploy-nginx-site -->";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_outsideClient = IPAddress.Parse("127.0.0.2");
    private static readonly AsgiHeader[] s_text = [new("content-type", "text/plain")];

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("asgibridge-deploy-");
    private readonly TaskCompletionSource _releaseStream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _host;
    private Process? _nginx;
    private int _hostPort;
    private int _tcpSite;
    private int _unixSite;

    private string SocketPath => Path.Combine(_folder.FullName, "app.sock");

    public async Task InitializeAsync()
    {
        if (!File.Exists(NginxPath))
        {
            return;
        }

        _host = await StartHostAsync();
        _tcpSite = FreePort();
        _unixSite = FreePort();

        // $scheme is "http" on this plain listener; the https a TLS listener would give stands in for it.
        var site = ExtractSite()
            .Replace("__LISTEN_UNIX__", $"127.0.0.1:{_unixSite}", StringComparison.Ordinal)
            .Replace("__LISTEN__", $"127.0.0.1:{_tcpSite}", StringComparison.Ordinal)
            .Replace("__UPSTREAM__", $"127.0.0.1:{_hostPort}", StringComparison.Ordinal)
            .Replace("__SOCKET__", SocketPath, StringComparison.Ordinal)
            .Replace("X-Forwarded-Proto $scheme", "X-Forwarded-Proto https", StringComparison.Ordinal);
        var root = _folder.FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "site.conf"), site);
        var config = Path.Combine(root, "nginx.conf");

        // One process, in the foreground, as the test's user (a master running as root would hand the requests to
        // workers running as nobody, who may not open the socket).
        await File.WriteAllTextAsync(config, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{root}}/nginx.pid;
            error_log {{root}}/error.log warn;
            events { worker_connections 256; }
            http {
              access_log off;
              client_body_temp_path {{root}}/body; proxy_temp_path {{root}}/proxy; fastcgi_temp_path {{root}}/fcgi;
              uwsgi_temp_path {{root}}/uwsgi; scgi_temp_path {{root}}/scgi;
              include {{root}}/site.conf;
            }
            """);
        _nginx = Process.Start(new ProcessStartInfo(NginxPath, ["-p", root, "-c", config]) { UseShellExecute = false, RedirectStandardError = true })!;
        _nginx.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(s_timeout);
        foreach (var port in new[] { _tcpSite, _unixSite })
        {
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                    break;
                }
                catch (SocketException) when (!_nginx.HasExited)
                {
                    await Task.Delay(50, timeout.Token);
                }
            }
        }
    }

    public async Task DisposeAsync()
    {
        _releaseStream.TrySetResult();
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(s_timeout);
            await _nginx.WaitForExitAsync(timeout.Token);
        }

        _nginx?.Dispose();
        if (_host is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(timeout.Token);
            await _host.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }

    public static TheoryData<string> Upstreams => new() { "tcp", "unix" };

    [SkippableTheory]
    [MemberData(nameof(Upstreams))]
    public async Task The_client_nginx_names_is_the_scope_client_and_a_forged_one_is_not(string upstream)
    {
        Skip.If(_host is null, $"nginx is not installed at {NginxPath} (Debian package 'nginx').");
        using var client = OutsideClient(upstream);

        // nginx appends the address the request came from (127.0.0.2) to the client's own entry; the walk skips only
        // nginx's connection (127.0.0.1 or the socket), so it stops at 127.0.0.2 and never reads 203.0.113.9.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/who?x=1");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("X-Forwarded-Prefix", "/evil");
        using var scope = await SendForJsonAsync(client, request);
        Assert.Equal("127.0.0.2", scope.RootElement.GetProperty("client")[0].GetString());
        Assert.Equal("https", scope.RootElement.GetProperty("scheme").GetString());
        Assert.Equal("", scope.RootElement.GetProperty("root_path").GetString()); // nginx dropped the client's prefix
        Assert.Equal("/who", scope.RootElement.GetProperty("path").GetString());
    }

    [SkippableTheory]
    [MemberData(nameof(Upstreams))]
    public async Task A_sub_path_mount_gives_root_path_from_X_Forwarded_Prefix(string upstream)
    {
        Skip.If(_host is null, $"nginx is not installed at {NginxPath}.");
        using var client = OutsideClient(upstream);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/items/7");
        using var scope = await SendForJsonAsync(client, request);
        Assert.Equal("/api", scope.RootElement.GetProperty("root_path").GetString());
        Assert.Equal("/api/items/7", scope.RootElement.GetProperty("path").GetString());
        Assert.Equal("127.0.0.2", scope.RootElement.GetProperty("client")[0].GetString());
    }

    [SkippableTheory]
    [MemberData(nameof(Upstreams))]
    public async Task A_streamed_response_arrives_in_pieces(string upstream)
    {
        Skip.If(_host is null, $"nginx is not installed at {NginxPath}.");
        using var timeout = new CancellationTokenSource(s_timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, SitePort(upstream)), timeout.Token);
        await socket.SendAsync("GET /stream HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"u8.ToArray(), timeout.Token);

        // The app holds the last piece back until the first has reached the client.
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("first-piece", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.True(read > 0, $"closed before the first piece: {received}");
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.DoesNotContain("last-piece", received.ToString(), StringComparison.Ordinal);
        _releaseStream.TrySetResult();
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.StartsWith("HTTP/1.1 200", received.ToString(), StringComparison.Ordinal);
        Assert.Contains("last-piece", received.ToString(), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [MemberData(nameof(Upstreams))]
    public async Task A_20_MiB_upload_arrives_whole(string upstream)
    {
        Skip.If(_host is null, $"nginx is not installed at {NginxPath}.");
        using var client = OutsideClient(upstream);
        var payload = new byte[20 * 1024 * 1024];
        new Random(13).NextBytes(payload);
        using var content = new ByteArrayContent(payload);
        using var timeout = new CancellationTokenSource(s_timeout);
        using var response = await client.PostAsync("/count", content, timeout.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal(payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync(timeout.Token));
    }

    [SkippableTheory]
    [MemberData(nameof(Upstreams))]
    public async Task A_WebSocket_echoes_through_nginx(string upstream)
    {
        Skip.If(_host is null, $"nginx is not installed at {NginxPath}.");
        using var timeout = new CancellationTokenSource(s_timeout);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{SitePort(upstream)}/ws"), timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("through " + upstream), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1024];
        var result = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal("through " + upstream, Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }

    [SkippableFact]
    public async Task Forged_headers_sent_directly_from_an_untrusted_peer_are_ignored()
    {
        Skip.If(_host is null, $"nginx is not installed at {NginxPath}.");

        // 127.0.0.2 is not in ForwardedAllowIps (127.0.0.1,unix): the same headers nginx sends count for nothing.
        using var client = BoundClient(new Uri($"http://127.0.0.1:{_hostPort}/"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/who");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Prefix", "/api");
        using var scope = await SendForJsonAsync(client, request);
        Assert.Equal("127.0.0.2", scope.RootElement.GetProperty("client")[0].GetString());
        Assert.NotEqual(0, scope.RootElement.GetProperty("client")[1].GetInt32()); // the real peer's port
        Assert.Equal("http", scope.RootElement.GetProperty("scheme").GetString());
        Assert.Equal("", scope.RootElement.GetProperty("root_path").GetString());
        Assert.Equal("/who", scope.RootElement.GetProperty("path").GetString());
    }

    private int SitePort(string upstream) => upstream == "tcp" ? _tcpSite : _unixSite;

    private HttpClient OutsideClient(string upstream) => BoundClient(new Uri($"http://127.0.0.1:{SitePort(upstream)}/"));

    /// <summary>A client connecting from 127.0.0.2: a loopback address that is not nginx's and not trusted.</summary>
    private static HttpClient BoundClient(Uri baseAddress)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(s_outsideClient, 0));
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = s_timeout };
    }

    private static async Task<JsonDocument> SendForJsonAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static string ExtractSite()
    {
        var site = DeployDoc.Block(Marker, "nginx");
        foreach (var placeholder in new[] { "__LISTEN__", "__LISTEN_UNIX__", "__UPSTREAM__", "__SOCKET__", "X-Forwarded-Proto $scheme" })
        {
            Assert.Contains(placeholder, site, StringComparison.Ordinal);
        }

        return site;
    }

    private async Task<WebApplication> StartHostAsync()
    {
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:0;http://unix:{SocketPath}");
        builder.WebHost.UseAsgi(AppAsync, options =>
        {
            options.Lifespan = AsgiLifespanMode.Off;
            options.ForwardedAllowIps = "127.0.0.1,unix";
            options.ForwardedPrefix = true;
        });
        var host = builder.Build();
        await host.StartAsync();
        foreach (var address in host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses)
        {
            if (address.StartsWith("http://127.0.0.1:", StringComparison.Ordinal))
            {
                _hostPort = new Uri(address).Port;
            }
        }

        Assert.NotEqual(0, _hostPort);
        return host;
    }

    /// <summary>
    /// <c>/count</c>: the request body's length; <c>/stream</c>: one piece, then the last once the test has seen the
    /// first; WebSockets: echoed; anything else: the echo app's JSON.
    /// </summary>
    private async ValueTask AppAsync(AsgiScope scope, AsgiReceive receive, AsgiSend send)
    {
        if (scope.Type == "websocket")
        {
            await WebSocketEcho.RunAsync(scope, receive, send);
            return;
        }

        if (scope.Path.EndsWith("/count", StringComparison.Ordinal))
        {
            long length = 0;
            while (await receive() is HttpRequestEvent request)
            {
                length += request.Body.Length;
                if (!request.MoreBody)
                {
                    break;
                }
            }

            await send(new HttpResponseStartEvent(200, s_text));
            await send(new HttpResponseBodyEvent(Encoding.ASCII.GetBytes(length.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            return;
        }

        if (scope.Path == "/stream")
        {
            await send(new HttpResponseStartEvent(200, s_text));
            await send(new HttpResponseBodyEvent("first-piece\n"u8.ToArray(), moreBody: true));
            await _releaseStream.Task.WaitAsync(s_timeout);
            await send(new HttpResponseBodyEvent("last-piece\n"u8.ToArray()));
            return;
        }

        await EchoApp.App(scope, receive, send);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
