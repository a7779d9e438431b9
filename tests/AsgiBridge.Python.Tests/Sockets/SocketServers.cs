using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Sockets;

/// <summary>The host serving apps/raw_app.py with its sockets on the Python loop (the default) or on Kestrel's threads.</summary>
public abstract class SocketServer(params string[] extra) : IAsyncLifetime
{
    private ServerProcess? _server;

    public string? SkipReason { get; } = PythonPackages.Missing();

    internal ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        if (SkipReason is null)
        {
            _server = await ServerProcess.StartAsgiBridgeAsync("raw_app:app", ServerPair.AppDir, extra);
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The default: <c>Python:Sockets</c> = <c>EventLoop</c>.</summary>
public sealed class LoopSocketServer() : SocketServer();

/// <summary><c>--python-sockets kestrel</c>.</summary>
public sealed class KestrelSocketServer() : SocketServer("--python-sockets", "kestrel");
