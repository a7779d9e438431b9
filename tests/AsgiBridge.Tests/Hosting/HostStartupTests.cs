using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.RegularExpressions;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// The host executable starts cleanly or fails cleanly: a start-up failure is one line on stderr and exit code 3,
/// never a stack trace; a bad address is refused rather than bound elsewhere; --help, --version and unknown flags
/// answer without starting anything.
/// </summary>
public sealed partial class HostStartupTests
{
    private const string UnprivilegedPortStart = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
    private const string SetPriv = "/usr/bin/setpriv";
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_address_in_use_is_one_line_and_exit_3_after_the_lifespan_shutdown_ran()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        using var host = HostProcess.Start("--app", "demo", "--urls", address);
        Assert.Equal(3, await host.WaitForExitAsync(s_exitTimeout));

        var line = Assert.Single(host.Stderr, l => l.Length > 0);
        Assert.Contains(address, line, StringComparison.Ordinal);
        Assert.Contains("address already in use", line, StringComparison.Ordinal);
        AssertNoStackTrace(host);

        // The demo app's lifespan startup ran before Kestrel tried to bind; its shutdown must run too.
        Assert.Contains(host.Stdout, l => l.Contains("ASGI lifespan startup complete", StringComparison.Ordinal));
        Assert.Contains(host.Stdout, l => l.Contains("ASGI lifespan shutdown complete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_address_in_use_is_named_when_it_is_not_the_first_one()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        using var host = HostProcess.Start("--app", "hello", "--urls", $"http://127.0.0.1:0;{address}");
        Assert.Equal(3, await host.WaitForExitAsync(s_exitTimeout));
        var line = Assert.Single(host.Stderr, l => l.Length > 0);
        Assert.Contains($"cannot listen on {address}: address already in use", line, StringComparison.Ordinal);
        AssertNoStackTrace(host);
    }

    [SkippableFact]
    public async Task A_port_that_needs_privileges_is_one_line_and_exit_3()
    {
        var firstUnprivileged = File.Exists(UnprivilegedPortStart) ? int.Parse(File.ReadAllText(UnprivilegedPortStart).Trim(), CultureInfo.InvariantCulture) : 1024;
        Skip.If(firstUnprivileged <= 1, $"every port can be bound without privileges here ({UnprivilegedPortStart} is {firstUnprivileged})");
        var root = Environment.UserName == "root";
        Skip.If(root && !File.Exists(SetPriv), $"running as root, and {SetPriv} (util-linux) is not there to run the host as nobody");
        Skip.If(root && !OthersCanRead(AppContext.BaseDirectory), $"running as root, and nobody cannot read {AppContext.BaseDirectory}");

        // As root, the host runs as nobody; HOME and the dotnet CLI's home must then be writable by nobody.
        string[] args = ["--app", "hello", "--port", "1"];
        using var host = root
            ? HostProcess.StartWith([SetPriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", $"HOME={Path.GetTempPath()}", $"DOTNET_CLI_HOME={Path.GetTempPath()}"], args)
            : HostProcess.Start(args);
        Assert.Equal(3, await host.WaitForExitAsync(s_exitTimeout));
        var line = Assert.Single(host.Stderr, l => l.Length > 0);
        Assert.Equal("Host failed to start: cannot listen on http://127.0.0.1:1: permission denied.", line);
        AssertNoStackTrace(host);
        Assert.Contains(host.Stdout, l => l.Contains("ASGI lifespan shutdown complete", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--Asgi:TimeoutKeepAlive=abc", "Asgi:TimeoutKeepAlive")]
    [InlineData("--Asgi:Nope=1", "Asgi:Nope")]
    [InlineData("--Asgi:MaxRequestLineSize=0", "Asgi:MaxRequestLineSize")]
    [InlineData("--timeout-keep-alive=soon", "Asgi:TimeoutKeepAlive")]
    [InlineData("--header=X Frame:DENY", "Asgi:Headers:0")]
    [InlineData("--backlog=0", "Asgi:Backlog")]
    [InlineData("--timeout-graceful-shutdown=1.5", "shutdownTimeoutSeconds")]
    [InlineData("--Logging:Console:FormatterName=jsn", "Logging:Console:FormatterName")]
    [InlineData("--Logging:Console:QueueFullMode=Drop", "Logging:Console:QueueFullMode")]
    [InlineData("--Logging:Console:MaxQueueLength=0", "Logging:Console:MaxQueueLength")]
    [InlineData("--Logging:Console:LogToStandardErrorThreshold=Loud", "Logging:Console:LogToStandardErrorThreshold")]
    public async Task A_bad_setting_is_one_line_and_exit_3(string argument, string setting)
    {
        using var host = HostProcess.Start("--app", "hello", "--port", "0", argument);
        Assert.Equal(3, await host.WaitForExitAsync(s_exitTimeout));
        var line = Assert.Single(host.Stderr, l => l.Length > 0);
        Assert.StartsWith("Host failed to start: ", line, StringComparison.Ordinal);
        Assert.Contains(setting, line, StringComparison.Ordinal);
        AssertNoStackTrace(host);
    }

    [Theory]
    [InlineData("http://127.0.0.1:notaport")]
    [InlineData("http://999.1.1.1:8000")]
    [InlineData("ftp://x")]
    [InlineData("http://127.0.0.1:70000")]
    public async Task A_malformed_address_is_refused_before_anything_listens(string url)
    {
        using var host = HostProcess.Start("--app", "demo", "--urls", url);
        Assert.Equal(3, await host.WaitForExitAsync(s_exitTimeout));
        var line = Assert.Single(host.Stderr, l => l.Length > 0);
        Assert.Contains($"'{url}'", line, StringComparison.Ordinal);
        AssertNoStackTrace(host);

        // Refused before the start: no port (80 for the first, which Kestrel would have taken), no lifespan.
        Assert.DoesNotContain(host.Stdout, l => l.Contains("listening on", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(host.Stdout, l => l.Contains("lifespan startup", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_unix_socket_in_a_missing_directory_is_one_line_and_exit_3()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"asgibridge-missing-{Guid.NewGuid():N}");
        using var host = HostProcess.Start("--app", "hello", "--uds", Path.Combine(directory, "app.sock"));
        Assert.Equal(3, await host.WaitForExitAsync(s_exitTimeout));
        var line = Assert.Single(host.Stderr, l => l.Length > 0);
        Assert.Contains($"'{directory}' does not exist", line, StringComparison.Ordinal);
        AssertNoStackTrace(host);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_prints_the_usage_and_exits_0_without_starting(string flag)
    {
        using var host = HostProcess.Start(flag, "--port", "1");
        Assert.Equal(0, await host.WaitForExitAsync(s_exitTimeout));
        var usage = string.Join('\n', host.Stdout);
        Assert.StartsWith("Usage:", usage, StringComparison.Ordinal);
        foreach (var expected in new[] { "demo, hello, echo", "--port PORT", "Asgi:TimeoutKeepAlive", "Exit codes:", "--log-level LEVEL" })
        {
            Assert.Contains(expected, usage, StringComparison.Ordinal);
        }

        Assert.Empty(host.Stderr);
        Assert.DoesNotContain(host.Stdout, l => l.Contains("ASGI lifespan", StringComparison.Ordinal) || l.Contains("listening on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Version_prints_the_informational_version_and_exits_0()
    {
        using var host = HostProcess.Start("--version");
        Assert.Equal(0, await host.WaitForExitAsync(s_exitTimeout));
        var version = typeof(AsgiApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal($"AsgiBridge {version} (.NET {Environment.Version})", Assert.Single(host.Stdout));
        Assert.Empty(host.Stderr);
    }

    [Theory]
    [InlineData("--bogus", "'--bogus'")]
    [InlineData("--reload", "'--reload'")]
    [InlineData("--port", "'--port' needs a value")]
    [InlineData("--workers=4", "Option '--workers' is not available: ")]
    public async Task An_unknown_flag_or_a_missing_value_prints_the_error_and_the_usage_and_exits_2(string flag, string named)
    {
        using var host = HostProcess.Start("--app", "hello", flag);
        Assert.Equal(2, await host.WaitForExitAsync(s_exitTimeout));
        Assert.Contains(named, host.Stderr[0], StringComparison.Ordinal);
        Assert.Contains(host.Stderr, l => l.StartsWith("Usage:", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Stdout, l => l.Contains("ASGI lifespan", StringComparison.Ordinal) || l.Contains("listening on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_start_up_log_names_the_app_and_every_address_and_port_serves_it()
    {
        var port = FreePort();
        using var host = HostProcess.Start("--app", "hello", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture));
        await host.WaitForOutputAsync($"Serving app 'hello' on http://127.0.0.1:{port}", s_exitTimeout);

        using var client = new HttpClient();
        Assert.Equal("Hello, World!", await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));
    }

    [Fact]
    public async Task Each_address_gets_its_own_serving_line()
    {
        var unix = Path.Combine(Path.GetTempPath(), $"asgibridge-{Guid.NewGuid():N}.sock");
        var port = FreePort();
        using var host = HostProcess.Start("--app", "echo", "--urls", $"http://127.0.0.1:{port};http://unix:{unix}");
        try
        {
            await host.WaitForOutputAsync($"Serving app 'echo' on http://unix:{unix}", s_exitTimeout);
            await host.WaitForOutputAsync($"Serving app 'echo' on http://127.0.0.1:{port}", s_exitTimeout);
        }
        finally
        {
            File.Delete(unix);
        }
    }

    private static void AssertNoStackTrace(HostProcess host)
    {
        Assert.DoesNotContain(host.Stdout, l => StackFrame().IsMatch(l));
        Assert.DoesNotContain(host.Stderr, l => StackFrame().IsMatch(l));
        Assert.DoesNotContain(host.Stderr, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    /// <summary>Whether a user other than the owner can reach <paramref name="directory"/> and read its files.</summary>
    private static bool OthersCanRead(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        for (var d = new DirectoryInfo(directory); d is not null; d = d.Parent)
        {
            if (!d.UnixFileMode.HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }

        return File.GetUnixFileMode(Path.Combine(directory, "Host.dll")).HasFlag(UnixFileMode.OtherRead);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^\s+at \S")]
    private static partial Regex StackFrame();
}
