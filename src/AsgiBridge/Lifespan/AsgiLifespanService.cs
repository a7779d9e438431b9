using AsgiBridge.Hosting;
using Microsoft.Extensions.Hosting;

namespace AsgiBridge.Lifespan;

/// <summary>
/// Runs the lifespan of every application instance the host serves (<see cref="AsgiAppRegistry"/>): startup in
/// <c>StartingAsync</c>, before any hosted service starts (the server included), so no request reaches an app that
/// is not ready; shutdown in <c>StoppedAsync</c>, after the server has drained its connections.
/// </summary>
internal sealed class AsgiLifespanService : IHostedLifecycleService
{
    private readonly AsgiAppRegistry _apps;

    public AsgiLifespanService(AsgiAppRegistry apps) => _apps = apps;

    public Task StartingAsync(CancellationToken cancellationToken) => _apps.StartAllAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => _apps.StopAllAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
