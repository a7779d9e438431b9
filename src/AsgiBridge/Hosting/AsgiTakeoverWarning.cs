using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Hosting;

/// <summary>
/// Once the host has started (the pipeline is built, so its endpoints are known): when the whole server is the ASGI
/// application (<c>builder.WebHost.UseAsgi</c>) and the ASP.NET Core application also maps endpoints, warns that they
/// will never be reached, and names <c>MapAsgi</c> as the way to serve the ASGI application beside them.
/// </summary>
internal sealed class AsgiTakeoverWarning : IHostedLifecycleService
{
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;

    public AsgiTakeoverWarning(IServiceProvider services, ILoggerFactory loggerFactory)
    {
        _services = services;
        _logger = loggerFactory.CreateLogger("AsgiBridge.Hosting");
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (_services.GetService<EndpointDataSource>() is not { } endpoints)
        {
            return Task.CompletedTask;
        }

        var names = new List<string>();
        foreach (var endpoint in endpoints.Endpoints)
        {
            names.Add(endpoint is RouteEndpoint route ? route.RoutePattern.RawText ?? route.DisplayName ?? "?" : endpoint.DisplayName ?? "?");
        }

        if (names.Count > 0)
        {
            Diagnostics.Log.EndpointsUnreachable(_logger, names.Count, string.Join(", ", names.Take(5)) + (names.Count > 5 ? ", ..." : ""));
        }

        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
