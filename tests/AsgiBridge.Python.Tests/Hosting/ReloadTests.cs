using AsgiBridge.Host.Reload;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Hosting;

/// <summary>
/// <c>--reload</c>: a change to the app's <c>.py</c> files restarts the app in a new child host (the requests in flight
/// finish first), a change that breaks the import leaves the reloader waiting for the next change, and a stop ends
/// the child and the reloader with exit 0.
/// </summary>
public sealed class ReloadTests : IDisposable
{
    private static readonly TimeSpan s_reload = TimeSpan.FromSeconds(45);
    private readonly string _dir = Directory.CreateTempSubdirectory("asgibridge-reload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void WriteApp(string version) => File.WriteAllText(Path.Combine(_dir, "reloaded_app.py"), $$"""
        import asyncio, os

        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            if scope["path"] == "/slow":
                await asyncio.sleep(2)
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": f"{{version}} {os.getpid()}".encode()})
        """);

    /// <summary>The answer to GET /, or null while nothing listens (between children).</summary>
    private static async Task<string?> TryGetAsync(int port)
    {
        try
        {
            return (await RawHttp.SendAsync(port, "GET", "/")).Text;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Polls GET / until the answer starts with <paramref name="version"/> (bounded).</summary>
    private static async Task<string> AwaitVersionAsync(ServerProcess server, string version)
    {
        var deadline = DateTime.UtcNow + s_reload;
        while (DateTime.UtcNow < deadline)
        {
            if (await TryGetAsync(server.Port) is { } text && text.StartsWith(version + " ", StringComparison.Ordinal))
            {
                return text;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"The app did not answer '{version}' within {s_reload}. {server.Describe()}");
        return "";
    }

    [SkippableFact]
    public async Task A_change_restarts_the_app_in_a_new_process_after_the_requests_in_flight_finish()
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        WriteApp("v1");
        await using var server = await ServerProcess.StartAsgiBridgeAsync("reloaded_app:app", _dir, "--reload");
        var first = await AwaitVersionAsync(server, "v1");

        var slow = RawHttp.SendAsync(server.Port, "GET", "/slow");
        await Task.Delay(500); // the slow request is in the app
        WriteApp("v2");
        var second = await AwaitVersionAsync(server, "v2");

        var finished = await slow;
        Assert.Equal(200, finished.Status);
        Assert.Equal(first, finished.Text); // served to the end by the old process
        var oldPid = int.Parse(first.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var newPid = int.Parse(second.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(oldPid, newPid);
        Assert.False(Directory.Exists($"/proc/{oldPid}"), "the old child is gone");
        Assert.Contains(server.Output, l => l.Contains("Detected a change in '" + Path.Combine(_dir, "reloaded_app.py") + "': reloading", StringComparison.Ordinal));

        Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(60)));
        Assert.False(Directory.Exists($"/proc/{newPid}"), "the child stops with the reloader");
    }

    [SkippableFact]
    public async Task A_change_that_breaks_the_import_waits_for_the_next_change()
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        WriteApp("v1");
        await using var server = await ServerProcess.StartAsgiBridgeAsync("reloaded_app:app", _dir, "--reload");
        await AwaitVersionAsync(server, "v1");

        await File.AppendAllTextAsync(Path.Combine(_dir, "reloaded_app.py"), "\nthis is not python(\n");
        var deadline = DateTime.UtcNow + s_reload;
        while (!server.Output.Any(l => l.Contains("The app's host exited with code 3; waiting for a change", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, server.Describe());
            await Task.Delay(200);
        }

        Assert.Contains(server.Output, l => l.Contains("SyntaxError", StringComparison.Ordinal));
        Assert.False(server.HasExited);
        Assert.Null(await TryGetAsync(server.Port));

        WriteApp("v3");
        await AwaitVersionAsync(server, "v3");
        Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Reload_needs_a_python_app_and_an_existing_directory()
    {
        await using (var host = new HostRun("--reload"))
        {
            Assert.Equal(2, await host.ExitCodeAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal("Option '--reload' needs '--python MODULE:ATTR'.", host.Stderr[0]);
        }

        await using (var host = new HostRun("--python", "main:app", "--reload", "--reload-dir", "/nonexistent-dir", "--port", "0"))
        {
            Assert.Equal(3, await host.ExitCodeAsync(TimeSpan.FromSeconds(60)));
            Assert.Equal("Host failed to start: reload directory '/nonexistent-dir' does not exist.", Assert.Single(host.Stderr, l => l.Length > 0));
        }
    }

    [SkippableFact]
    public async Task A_file_reload_include_names_restarts_the_app_too()
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        File.WriteAllText(Path.Combine(_dir, "version.txt"), "t1");
        File.WriteAllText(Path.Combine(_dir, "reloaded_app.py"), """
            import os

            VERSION = open(os.path.join(os.path.dirname(__file__), "version.txt")).read().strip()

            async def app(scope, receive, send):
                if scope["type"] != "http":
                    return
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": f"{VERSION} {os.getpid()}".encode()})
            """);
        await using var server = await ServerProcess.StartAsgiBridgeAsync(
            "reloaded_app:app", _dir, "--reload", "--reload-include", "*.txt", "--reload-exclude", "ignored.txt", "--reload-delay", "0.1");
        var first = await AwaitVersionAsync(server, "t1");

        // An excluded file changes nothing; the included one restarts the app, which reads it again.
        File.WriteAllText(Path.Combine(_dir, "ignored.txt"), "x");
        await Task.Delay(1000);
        Assert.Equal(first, await TryGetAsync(server.Port));
        File.WriteAllText(Path.Combine(_dir, "version.txt"), "t2");
        var second = await AwaitVersionAsync(server, "t2");
        Assert.NotEqual(first.Split(' ')[1], second.Split(' ')[1]);
    }

    [Theory]
    [InlineData("/app/main.py", true)]
    [InlineData("/app/pkg/views.py", true)]
    [InlineData("/app/main.pyc", false)]
    [InlineData("/app/__pycache__/main.cpython-311.py", false)]
    [InlineData("/app/.venv/lib/site.py", false)]
    [InlineData("/app/.main.py.swp", false)]
    [InlineData("/app/notes.txt", false)]
    public void Only_python_sources_outside_caches_and_hidden_directories_count(string path, bool counts) =>
        Assert.Equal(counts, SourceWatcher.IsSource(path));

    [Fact]
    public void The_child_gets_the_command_line_without_the_reload_flags()
    {
        string[] args = ["--python", "main:app", "--reload", "--reload-dir", "/a", "--port", "9000", "--reload-dir=/b"];
        Assert.Equal(["--python", "main:app", "--port", "9000", "--Python:Reload=false"], ReloadArguments.ForChild(args));
    }
}
