using System.Runtime.CompilerServices;
using AsgiBridge.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AsgiBridge;

/// <summary>Serves an ASGI application on one Kestrel endpoint.</summary>
public static class AsgiListenOptionsExtensions
{
    private static readonly ConditionalWeakTable<ListenOptions, object> s_placed = [];

    /// <summary>
    /// Makes this endpoint serve an ASGI application over HTTP/1.1. Call it after <c>UseHttps()</c> for TLS
    /// (the scope's scheme becomes <c>https</c>); the endpoint's protocols are set to HTTP/1.1 so ALPN does not
    /// pick h2.
    /// </summary>
    /// <param name="listenOptions">The endpoint.</param>
    /// <param name="app">The application; when null, the one registered with <c>UseAsgi(app)</c> on the host builder.</param>
    /// <returns>The endpoint, for chaining.</returns>
    public static ListenOptions UseAsgi(this ListenOptions listenOptions, AsgiApp? app = null)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        s_placed.AddOrUpdate(listenOptions, app ?? (object)"registered");
        listenOptions.Protocols = HttpProtocols.Http1;
        listenOptions.Use(next => CreateHandler(listenOptions.ApplicationServices, app).OnConnectedAsync);
        return listenOptions;
    }

    /// <summary>Whether <see cref="UseAsgi"/> was called on this endpoint.</summary>
    internal static bool IsPlaced(ListenOptions listenOptions) => s_placed.TryGetValue(listenOptions, out _);

    internal static AsgiConnectionHandler CreateHandler(IServiceProvider services, AsgiApp? app)
    {
        var resolved = app ?? services.GetService<AsgiApplication>()?.App
            ?? throw new InvalidOperationException("No ASGI application: pass one to ListenOptions.UseAsgi(app) or register it with IWebHostBuilder.UseAsgi(app).");
        var options = services.GetRequiredService<IOptions<AsgiServerOptions>>();
        return new AsgiConnectionHandler(
            resolved,
            options.Value,
            services.GetService<AsgiServerState>() ?? new AsgiServerState(options),
            services.GetRequiredService<ILoggerFactory>());
    }
}
