using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// The host's console logging as an operator sees it: the access log in the JSON format with its named fields,
/// filters and the stderr threshold of <c>Logging:Console</c>, and every line of a busy host on the console when
/// it stops.
/// </summary>
public sealed class HostConsoleLoggingTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_json_formatter_writes_access_lines_with_their_named_fields()
    {
        var port = FreePort();
        using var host = HostProcess.Start("--app", "hello", "--port", Port(port), "--Logging:Console:FormatterName=json");
        await GetAsync(port, "/hello?x=1");
        await host.WaitForOutputAsync("\"AsgiBridge.AccessLog\"", s_timeout);

        using var line = JsonDocument.Parse(host.Stdout.First(l => l.Contains("\"AsgiBridge.AccessLog\"", StringComparison.Ordinal)));
        var state = line.RootElement.GetProperty("State");
        Assert.Equal("Information", line.RootElement.GetProperty("LogLevel").GetString());
        Assert.Equal("GET", state.GetProperty("method").GetString());
        Assert.Equal("/hello?x=1", state.GetProperty("target").GetString());
        Assert.Equal(200, state.GetProperty("status").GetInt32());
        Assert.Equal(13, state.GetProperty("bytes_sent").GetInt64());
        Assert.StartsWith("127.0.0.1:", state.GetProperty("client").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_console_filter_for_the_access_log_category_silences_it_and_nothing_else()
    {
        var port = FreePort();
        using var host = HostProcess.Start("--app", "hello", "--port", Port(port), "--Logging:Console:LogLevel:AsgiBridge.AccessLog=None");
        await GetAsync(port, "/hello");
        await GetAsync(port, "/stop-marker");
        await Task.Delay(500); // several batch delays
        Assert.Contains(host.Stdout, l => l.Contains("listening on", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(host.Stdout, l => l.Contains("\"GET /", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AspNetCores_own_request_lines_for_http2_are_off_unless_a_level_asks_for_them(bool asked)
    {
        var port = FreePort();
        string[] args = ["--app", "hello", "--port", Port(port), "--Asgi:Protocols=Http2", .. asked ? new[] { "--Logging:LogLevel:Microsoft.AspNetCore=Information" } : []];
        using var host = HostProcess.Start(args);
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var deadline = DateTime.UtcNow + s_timeout;
        while (true)
        {
            try
            {
                Assert.Equal("Hello, World!", await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/hello")));
                break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        // The access line is logged after ASP.NET Core's "Request starting" and before its "Request finished".
        await host.WaitForOutputAsync("\"GET /hello HTTP/2\" 200", s_timeout);
        await Task.Delay(500); // several batch delays
        Assert.Equal(asked, host.Stdout.Any(l => l.Contains("Request starting HTTP/2 GET", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Records_at_the_stderr_threshold_go_to_standard_error()
    {
        var port = FreePort();
        using var host = HostProcess.Start("--app", "hello", "--port", Port(port), "--Logging:Console:LogToStandardErrorThreshold=Information");
        await GetAsync(port, "/to-stderr");
        var deadline = DateTime.UtcNow + s_timeout;
        while (!host.Stderr.Any(l => l.Contains("\"GET /to-stderr HTTP/1.1\" 200", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "no access line on stderr:\n" + string.Join('\n', host.Stderr));
            await Task.Delay(20);
        }

        Assert.DoesNotContain(host.Stdout, l => l.Contains("/to-stderr", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_access_line_of_a_burst_is_on_the_console_after_sigterm()
    {
        const int count = 2_000;
        var port = FreePort();
        using var host = HostProcess.Start("--app", "hello", "--port", Port(port));
        using var client = new HttpClient();
        await GetAsync(port, "/warm");
        for (var i = 0; i < count; i++)
        {
            Assert.Equal("Hello, World!", await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/n/{i}")));
        }

        // Straight after the last response: its line is at most in the batch being collected.
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", host.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        Assert.Equal(0, await host.WaitForExitAsync(s_timeout));
        var served = host.Stdout.Count(l => l.Contains("\"GET /n/", StringComparison.Ordinal) && l.Contains(" 200 ", StringComparison.Ordinal));
        Assert.Equal(count, served);
        Assert.Contains(host.Stdout, l => l.Contains("\"GET /n/1999 HTTP/1.1\" 200", StringComparison.Ordinal));
    }

    private static async Task GetAsync(int port, string path)
    {
        using var client = new HttpClient();
        using var timeout = new CancellationTokenSource(s_timeout);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), timeout.Token);
                return;
            }
            catch (HttpRequestException) when (!timeout.IsCancellationRequested)
            {
                await Task.Delay(100, timeout.Token);
            }
        }
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
