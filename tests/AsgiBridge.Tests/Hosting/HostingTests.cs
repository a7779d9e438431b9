using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Hosting;

public sealed class HostingTests
{
    [Theory]
    [InlineData("--Asgi:TimeoutKeepAlive=soon", "Asgi:TimeoutKeepAlive")]
    [InlineData("--Asgi:MaxRequestLineSize=0", "Asgi:MaxRequestLineSize")]
    [InlineData("--Asgi:MaxRequestHeaderCount=lots", "Asgi:MaxRequestHeaderCount")]
    [InlineData("--Asgi:ServerHeader=maybe", "Asgi:ServerHeader")]
    [InlineData("--Asgi:RootPath=api/", "Asgi:RootPath")]
    [InlineData("--Asgi:TimeoutKeepAlive=-1", "Asgi:TimeoutKeepAlive")]
    [InlineData("--Asgi:TimeoutSend=0", "Asgi:TimeoutSend")]
    [InlineData("--Asgi:Bogus=1", "Asgi:Bogus")]
    public async Task A_bad_setting_stops_the_host_at_startup_with_a_message_naming_it(string argument, string setting)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await TestServer.StartAsync(HelloApp.App, args: [argument]);
        });
        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_bind_from_the_command_line_with_durations_in_seconds()
    {
        await using var server = await TestServer.StartAsync(HelloApp.App, args: ["--Asgi:ServerHeader=false", "--Asgi:DateHeader=false", "--Asgi:TimeoutKeepAlive=0.5"]);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Null(response.Header("server"));
        Assert.Null(response.Header("date"));
        Assert.True(await client.IsClosedByServerAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Root_path_setting_reaches_the_scope()
    {
        await using var server = await TestServer.StartAsync(EchoApp.App, args: ["--Asgi:RootPath=/api"]);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        using var json = JsonDocument.Parse((await client.ReadResponseAsync()).BodyText);
        Assert.Equal("/api", json.RootElement.GetProperty("root_path").GetString());
    }

    [Fact]
    public async Task Unix_socket_urls_are_served_with_server_as_path_and_no_client()
    {
        var path = Path.Combine(Path.GetTempPath(), $"asgibridge-{Guid.NewGuid():N}.sock");
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://unix:{path}");
        builder.WebHost.UseAsgi(EchoApp.App);
        await using var host = builder.Build();
        await host.StartAsync();
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /u HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            var received = new List<byte>();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, read));
            }

            var response = RawResponse.ParseAll([.. received], null, out _, atEof: true).Single();
            using var json = JsonDocument.Parse(response.BodyText);
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("client").ValueKind);
            Assert.Equal(path, json.RootElement.GetProperty("server")[0].GetString());
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("server")[1].ValueKind);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Tls_endpoint_with_UseHttps_then_UseAsgi_serves_https_scopes()
    {
        using var certificate = TestCertificates.Create();
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate).UseAsgi(EchoApp.App)));
        await using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
            using var client = new HttpClient(handler);
            var body = await client.GetStringAsync(new Uri(new Uri(address), "/tls"));
            using var json = JsonDocument.Parse(body);
            Assert.Equal("https", json.RootElement.GetProperty("scheme").GetString());
            Assert.Equal("/tls", json.RootElement.GetProperty("path").GetString());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Https_and_http_urls_are_both_served_with_tls_in_front_of_the_handler()
    {
        using var certificate = TestCertificates.Create();
        var pfx = Path.Combine(Path.GetTempPath(), $"asgibridge-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pw"));
        var (httpsPort, httpPort) = (FreePort(), FreePort());
        try
        {
            var builder = WebApplication.CreateSlimBuilder([$"--Kestrel:Certificates:Default:Path={pfx}", "--Kestrel:Certificates:Default:Password=pw"]);
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls($"https://127.0.0.1:{httpsPort};http://127.0.0.1:{httpPort}");
            builder.WebHost.UseAsgi(EchoApp.App);
            await using var host = builder.Build();
            await host.StartAsync();
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
            using var client = new HttpClient(handler);
            using var secure = JsonDocument.Parse(await client.GetStringAsync(new Uri($"https://127.0.0.1:{httpsPort}/s")));
            using var plain = JsonDocument.Parse(await client.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/p")));
            Assert.Equal("https", secure.RootElement.GetProperty("scheme").GetString());
            Assert.Equal("http", plain.RootElement.GetProperty("scheme").GetString());
            await host.StopAsync();
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    [Fact]
    public async Task Explicit_Listen_without_UseAsgi_is_served_by_the_host_level_app()
    {
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseAsgi(HelloApp.App);
        await using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient();
            Assert.Equal("Hello, World!", await client.GetStringAsync(new Uri(address)));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_host_executable_serves_the_chosen_app_on_the_given_urls()
    {
        var port = FreePort();
        using var process = StartHost("--app", "echo", "--urls", $"http://127.0.0.1:{port}");
        try
        {
            using var client = new HttpClient();
            var body = await RetryAsync(() => client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/from-host?x=1")));
            using var json = JsonDocument.Parse(body);
            Assert.Equal("/from-host", json.RootElement.GetProperty("path").GetString());
            Assert.Equal("x=1", json.RootElement.GetProperty("query_string").GetString());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task The_host_executable_rejects_an_unknown_app_with_exit_code_2()
    {
        using var process = StartHost("--app", "nope");
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Unknown app 'nope'", await process.StandardError.ReadToEndAsync(), StringComparison.Ordinal);
    }

    private static Process StartHost(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Host.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task<string> RetryAsync(Func<Task<string>> action)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return await action();
            }
            catch (HttpRequestException) when (!timeout.IsCancellationRequested)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
