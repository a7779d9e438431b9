using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Bridge;

/// <summary>AsgiBridge alone serving apps/raw_app.py, for what uvicorn 0.17 has no counterpart to or does differently.</summary>
public sealed class BridgeServer : IAsyncLifetime
{
    private ServerProcess? _server;

    public string? SkipReason { get; } = PythonPackages.Missing();

    internal ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        if (SkipReason is null)
        {
            _server = await ServerProcess.StartAsgiBridgeAsync("raw_app:app", Infrastructure.ServerPair.AppDir);
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
