using System.Diagnostics;
using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.WebSocket.Clients;

/// <summary>
/// Other implementations against the echo app: the python websockets client (Debian python3-websockets) and
/// Node's `ws` (npm; .ci/run installs both). Without the client on the machine the test reports itself skipped.
/// </summary>
public sealed class RealClientTests
{
    private static readonly string s_folder = Path.Combine(FindRoot(), "tests", "AsgiBridge.Tests", "WebSocket", "Clients");

    [SkippableFact]
    public async Task Python_websockets_client_echoes_with_and_without_compression()
    {
        Skip.IfNot(File.Exists("/usr/bin/python3") && Run("/usr/bin/python3", null, "-c", "import websockets").ExitCode == 0,
            "python3-websockets is not installed (apt-get install python3-websockets).");
        await using var server = await TestServer.StartAsync(EchoApp.App);
        var result = Run("/usr/bin/python3", null, Path.Combine(s_folder, "python_websockets_echo.py"), server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("python websockets ok", result.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Node_ws_client_echoes_with_and_without_compression()
    {
        var modules = Environment.GetEnvironmentVariable("ASGIBRIDGE_NODE_MODULES") ?? "/tmp/asgibridge-node/node_modules";
        Skip.IfNot(File.Exists("/usr/bin/node") && Directory.Exists(Path.Combine(modules, "ws")),
            $"Node or the npm package ws is missing ({modules}/ws; .ci/run installs it with npm).");
        await using var server = await TestServer.StartAsync(EchoApp.App);
        var result = Run("/usr/bin/node", modules, Path.Combine(s_folder, "node_ws_echo.js"), server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("node ws ok", result.Output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output) Run(string file, string? nodePath, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (nodePath is not null)
        {
            start.Environment["NODE_PATH"] = nodePath;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bridge.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("Bridge.sln not found");
    }
}
