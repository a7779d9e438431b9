using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AsgiBridge.Python.Tests.Infrastructure;

/// <summary>
/// A server as a child process on a free loopback port: AsgiBridge's host serving a Python app, or uvicorn serving the
/// same app. Started, awaited until it accepts connections, stopped by its PID.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(string name, string fileName, IEnumerable<string> arguments, int port, string? workingDirectory = null, IEnumerable<(string Name, string Value)>? environment = null)
    {
        Name = name;
        Port = port;
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The host's child processes must not inherit a test runner's settings that change its output.
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        foreach (var (variable, value) in environment ?? [])
        {
            start.Environment[variable] = value;
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Port { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>AsgiBridge's host serving <paramref name="app"/> from <paramref name="appDir"/>.</summary>
    public static Task<ServerProcess> StartAsgiBridgeAsync(string app, string appDir, params string[] extra) =>
        StartAsgiBridgeAsync(app, appDir, [], extra);

    /// <summary>AsgiBridge's host serving <paramref name="app"/>, with <paramref name="environment"/> added to its environment.</summary>
    public static Task<ServerProcess> StartAsgiBridgeAsync(string app, string appDir, IEnumerable<(string Name, string Value)> environment, params string[] extra)
    {
        var port = FreePort();
        string[] args =
        [
            Path.Combine(AppContext.BaseDirectory, "Host.dll"), "--python", app, "--app-dir", appDir,
            "--python-exe", PythonPackages.Python, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--no-access-log", .. extra,
        ];
        return StartAsync(new ServerProcess("asgibridge", "dotnet", args, port, environment: environment));
    }

    /// <summary>
    /// The host as the README starts it, <c>dotnet run --project src/Host -- --python APP ...</c> (already built: no
    /// build in a test), typed in <paramref name="workingDirectory"/>.
    /// </summary>
    public static Task<ServerProcess> StartWithDotnetRunAsync(string workingDirectory, string app, params string[] extra)
    {
        var port = FreePort();
        var project = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Host"));
        string[] args =
        [
            "run", "--project", project, "--no-build", "--", "--python", app,
            "--python-exe", PythonPackages.Python, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--no-access-log", .. extra,
        ];
        return StartAsync(new ServerProcess("asgibridge (dotnet run)", "dotnet", args, port, workingDirectory));
    }

    /// <summary>uvicorn (Debian's) serving the same app.</summary>
    public static Task<ServerProcess> StartUvicornAsync(string app, string appDir, params string[] extra)
    {
        var port = FreePort();
        string[] args =
        [
            "-m", "uvicorn", app, "--app-dir", appDir, "--host", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-access-log", .. extra,
        ];
        return StartAsync(new ServerProcess("uvicorn", PythonPackages.Python, args, port));
    }

    /// <summary>Sends SIGTERM and waits for the exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public string Describe() => $"{Name} (pid {Pid}, port {Port}) output:\n{string.Join('\n', Output)}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static async Task<ServerProcess> StartAsync(ServerProcess server)
    {
        var deadline = DateTime.UtcNow + s_startTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (server._process.HasExited)
            {
                await Task.Delay(200); // let the output arrive
                var description = server.Describe();
                await server.DisposeAsync();
                throw new InvalidOperationException($"The server exited while starting. {description}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, server.Port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        var output = server.Describe();
        await server.DisposeAsync();
        throw new TimeoutException($"The server did not listen within {s_startTimeout}. {output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
