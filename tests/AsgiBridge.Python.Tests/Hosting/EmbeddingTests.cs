using System.Text.Json;
using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Hosting;

/// <summary>
/// <c>Python:Embed</c>: by default (<c>Process</c>) the host becomes python3 running it (same PID), so the app runs in
/// the python3 executable itself; <c>Library</c> (or an explicit <c>--python-lib</c>) loads libpython into the .NET
/// process as before; a value that is neither stops the start.
/// </summary>
public sealed class EmbeddingTests
{
    private const string App = "process_app:app";

    [SkippableFact]
    public async Task By_default_the_app_runs_in_the_python3_process_under_the_same_pid()
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        await using var server = await ServerProcess.StartAsgiBridgeAsync(App, ServerPair.AppDir);
        using var facts = await FactsAsync(server);
        var root = facts.RootElement;

        Assert.Equal(server.Pid, root.GetProperty("pid").GetInt32());
        Assert.Equal(root.GetProperty("executable").GetString(), root.GetProperty("exe").GetString());
        Assert.False(root.GetProperty("main_thread_is_loop").GetBoolean()); // python3's own main thread waits in the launcher
        Assert.Equal([""], root.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
        Assert.False(root.GetProperty("launcher_on_path").GetBoolean());
        Assert.Contains(server.Output, l => l.Contains("embedded: process", StringComparison.Ordinal));

        // .NET's usual tier-up delay even where the process is limited to one CPU (docs/python.md, "Embedding").
        var environment = (await File.ReadAllTextAsync($"/proc/{server.Pid}/environ")).Split('\0');
        Assert.Contains("DOTNET_TC_DelaySingleProcMultiplier=1", environment);

        // python3 exits as after any script: the interpreter is finalized, atexit handlers run.
        Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(server.Output, l => l.Contains("process_app: atexit ran", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task The_diagnostics_port_of_the_runtime_in_python3_accepts_connections()
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        await using var server = await ServerProcess.StartAsgiBridgeAsync(App, ServerPair.AppDir);

        // What dotnet-counters and dotnet-trace connect to: the runtime python3 started listens there (the one that
        // became python3 left a socket of the same name behind, which nobody answered).
        var tmp = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } dir ? dir : "/tmp";
        var port = Assert.Single(Directory.GetFiles(tmp, $"dotnet-diagnostic-{server.Pid}-*-socket"));
        using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        await client.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(port));
        Assert.True(client.Connected);
    }

    [SkippableFact]
    public async Task A_tier_up_delay_the_user_chose_is_kept()
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        await using var server = await ServerProcess.StartAsgiBridgeAsync(App, ServerPair.AppDir, [("DOTNET_TC_DelaySingleProcMultiplier", "4")]);
        var environment = (await File.ReadAllTextAsync($"/proc/{server.Pid}/environ")).Split('\0');
        Assert.Contains("DOTNET_TC_DelaySingleProcMultiplier=4", environment);
        Assert.DoesNotContain("DOTNET_TC_DelaySingleProcMultiplier=1", environment);
    }

    [SkippableTheory]
    [InlineData("--python-embed", "library")]
    [InlineData("--Python:Embed=Library")]
    [InlineData("--python-lib", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0")]
    public async Task Library_mode_loads_libpython_into_the_dotnet_process(params string[] extra)
    {
        var missing = PythonPackages.Missing();
        Skip.If(missing is not null, missing);
        Skip.If(extra is ["--python-lib", var library] && !File.Exists(library), "Debian's libpython3.11 is not installed");
        await using var server = await ServerProcess.StartAsgiBridgeAsync(App, ServerPair.AppDir, extra);
        using var facts = await FactsAsync(server);
        var root = facts.RootElement;

        Assert.Equal(server.Pid, root.GetProperty("pid").GetInt32());
        Assert.Equal("dotnet", Path.GetFileName(root.GetProperty("exe").GetString()));
        Assert.True(root.GetProperty("main_thread_is_loop").GetBoolean()); // the loop thread started the interpreter
        Assert.Contains(server.Output, l => l.Contains("embedded: library", StringComparison.Ordinal));
        Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData("Python:Embed", "Process, Library")]
    [InlineData("Python:Sockets", "EventLoop, Kestrel")]
    public async Task An_unknown_python_setting_is_one_line_and_exit_3(string key, string allowed)
    {
        await using var host = new HostRun("--python", App, "--app-dir", ServerPair.AppDir, $"--{key}=Sideways", "--port", "0");
        Assert.Equal(3, await host.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(
            $"Host failed to start: Invalid setting '{key}' = 'Sideways': expected one of {allowed}.",
            Assert.Single(host.Stderr, l => l.Length > 0));
    }

    [Fact]
    public async Task An_unknown_embed_flag_value_is_exit_2()
    {
        await using var host = new HostRun("--python", App, "--python-embed", "sideways");
        Assert.Equal(2, await host.ExitCodeAsync(TimeSpan.FromSeconds(60)));
    }

    private static async Task<JsonDocument> FactsAsync(ServerProcess server)
    {
        var response = await RawHttp.SendAsync(server.Port, "GET", "/");
        return JsonDocument.Parse(response.Body);
    }
}
