using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Hosting;

/// <summary>
/// The host's <c>--python</c> start-up and shutdown: an app that cannot be loaded is one line on stderr and exit 3
/// (the traceback in the log), never a hang; ASGI 2 apps and factories load as under uvicorn; a graceful stop finishes
/// the requests in flight and the process exits 0.
/// </summary>
public sealed class PythonHostTests
{
    private static readonly TimeSpan s_exit = TimeSpan.FromSeconds(60);

    [SkippableTheory]
    [InlineData("nope_module:app", "Host failed to start: Could not import module \"nope_module\".")]
    [InlineData("raw_app:nothing", "Host failed to start: Attribute \"nothing\" not found in module \"raw_app\".")]
    [InlineData("raw_app", "Host failed to start: Import string \"raw_app\" must be in format \"<module>:<attribute>\".")]
    [InlineData("broken_app:app", "Host failed to start: Error loading ASGI app: ModuleNotFoundError: No module named 'does_not_exist'")]
    public async Task An_app_that_cannot_be_loaded_is_one_line_and_exit_3(string app, string line)
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        await using var host = new HostRun("--python", app, "--app-dir", ServerPair.AppDir, "--python-exe", PythonPackages.Python, "--port", "0");
        Assert.Equal(3, await host.ExitCodeAsync(s_exit));
        Assert.Equal(line, Assert.Single(host.Stderr, l => l.Length > 0));
        if (app.StartsWith("broken", StringComparison.Ordinal))
        {
            Assert.Contains(host.Stdout, l => l.Contains("Traceback (most recent call last)", StringComparison.Ordinal));
            Assert.Contains(host.Stdout, l => l.Contains("broken_app.py", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_missing_interpreter_is_one_line_and_exit_3()
    {
        await using var host = new HostRun("--python", "main:app", "--python-exe", "/nonexistent/python3", "--port", "0");
        Assert.Equal(3, await host.ExitCodeAsync(s_exit));
        Assert.Equal("Host failed to start: Python interpreter '/nonexistent/python3' not found.", Assert.Single(host.Stderr, l => l.Length > 0));
    }

    [Theory]
    [InlineData("--python", "main:app", "--loop", "trio")]
    [InlineData("--python", "main:app", "--interface", "wsgi")]
    [InlineData("--python", "main:app", "--python-sockets", "libuv")]
    [InlineData("--factory")]
    [InlineData("--app-dir", "/tmp")]
    [InlineData("--python", "main:app", "--app", "hello")]
    public async Task A_bad_python_command_line_is_exit_2(params string[] args)
    {
        await using var host = new HostRun(args);
        Assert.Equal(2, await host.ExitCodeAsync(s_exit));
    }

    [SkippableTheory]
    [InlineData("asgi2 /path", "raw_app:Asgi2App")]
    [InlineData("asgi2 /path", "raw_app:Asgi2App", "--interface", "asgi2")]
    [InlineData("slept", "raw_app:create_app", "--factory")]
    [InlineData("slept", "raw_app:app", "--loop", "asyncio")]
    public async Task ASGI2_apps_factories_and_loops_load_as_under_uvicorn(string expected, string app, params string[] extra)
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        await using var server = await ServerProcess.StartAsgiBridgeAsync(app, ServerPair.AppDir, extra);
        var response = await RawHttp.SendAsync(server.Port, "GET", expected == "slept" ? "/sleep?0" : "/path");
        Assert.Equal(expected, response.Text);
    }

    [SkippableFact]
    public async Task A_graceful_stop_finishes_requests_in_flight_and_exits_0()
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        await using var server = await ServerProcess.StartAsgiBridgeAsync("raw_app:app", ServerPair.AppDir);
        var slow = RawHttp.SendAsync(server.Port, "GET", "/sleep?1");
        await Task.Delay(300); // the request is in the app
        var exit = server.StopAsync(TimeSpan.FromSeconds(30));
        var response = await slow;
        Assert.Equal("slept", response.Text);
        Assert.Equal(0, await exit);
        Assert.Contains(server.Output, l => l.Contains("ASGI lifespan shutdown complete", StringComparison.Ordinal));
    }
}
