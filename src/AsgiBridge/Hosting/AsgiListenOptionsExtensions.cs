using System.Runtime.CompilerServices;
using AsgiBridge.Hosting;
using AsgiBridge.Proxy;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AsgiBridge;

/// <summary>Serves an ASGI application on one Kestrel endpoint.</summary>
public static class AsgiListenOptionsExtensions
{
    private static readonly ConditionalWeakTable<ListenOptions, EndpointSettings> s_endpoints = [];

    /// <summary>
    /// Makes this endpoint serve an ASGI application: HTTP/1.1 by AsgiBridge's handler, and HTTP/2 by Kestrel's stack
    /// when <see cref="AsgiServerOptions.Protocols"/> (<c>Asgi:Protocols</c>) allows it; the endpoint's
    /// <see cref="ListenOptions.Protocols"/> (what ALPN offers) is set to match. Call it after <c>UseHttps()</c> for
    /// TLS (the scope's scheme becomes <c>https</c>).
    /// </summary>
    /// <param name="listenOptions">The endpoint.</param>
    /// <param name="app">The application; when null, the one registered with <c>UseAsgi(app)</c> on the host builder.</param>
    /// <returns>The endpoint, for chaining.</returns>
    public static ListenOptions UseAsgi(this ListenOptions listenOptions, AsgiApp? app = null)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        var settings = s_endpoints.GetOrCreateValue(listenOptions);
        settings.Placed = true;
        var protocols = OptionsOf(listenOptions).Protocols;
        ProtocolDispatch.Apply(listenOptions, protocols);
        if (app is not null && listenOptions.ApplicationServices is { } services)
        {
            // Registered now, while Kestrel is being configured (before the host's StartingAsync): the lifespan of
            // this instance then runs with the others, before the endpoint listens.
            AsgiAppRegistry.For(services).GetOrAdd(app);
        }

        listenOptions.Use(next =>
        {
            // The PROXY protocol reader sits in the endpoint defaults, outside TLS: without them it would be missing.
            if (!settings.HasDefaults && ProxyProtocolFor(listenOptions) != AsgiProxyProtocol.Off)
            {
                throw new InvalidOperationException("The PROXY protocol needs AsgiBridge registered on the host (IWebHostBuilder.UseAsgi(app) or services.AddAsgi(app)), with Kestrel's endpoint defaults left in place.");
            }

            return ProtocolDispatch.Create(protocols, CreateHandler(listenOptions.ApplicationServices, app).OnConnectedAsync, next);
        });
        return listenOptions;
    }

    /// <summary>
    /// Sets whether connections to this endpoint start with a PROXY protocol header, overriding
    /// <see cref="AsgiServerOptions.ProxyProtocol"/> (<c>Asgi:ProxyProtocol</c>, default off) for this endpoint. The header
    /// is read before TLS and HTTP whatever the order of the calls, only from peers trusted by
    /// <see cref="AsgiServerOptions.ForwardedAllowIps"/>; its source and destination become the scope's <c>client</c>
    /// and <c>server</c>. Needs AsgiBridge registered on the host (<c>UseAsgi(app)</c> or <c>AddAsgi(app)</c>).
    /// </summary>
    /// <param name="listenOptions">The endpoint.</param>
    /// <param name="protocol">The header version expected; <see cref="AsgiProxyProtocol.Off"/> for none.</param>
    /// <returns>The endpoint, for chaining.</returns>
    public static ListenOptions WithProxyProtocol(this ListenOptions listenOptions, AsgiProxyProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        if (!Enum.IsDefined(protocol))
        {
            throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Expected Off, V1, V2 or Auto.");
        }

        s_endpoints.GetOrCreateValue(listenOptions).ProxyProtocol = protocol;
        return listenOptions;
    }

    /// <summary>
    /// What the endpoint defaults add to every endpoint, outermost (before an endpoint's own <c>UseHttps()</c>): a
    /// middleware that decides when Kestrel binds whether to read a PROXY protocol header, and whether to serve ASGI
    /// itself or pass through to the handler the endpoint placed with <see cref="UseAsgi"/>.
    /// </summary>
    internal static void UseEndpointDefaults(ListenOptions listenOptions)
    {
        var settings = s_endpoints.GetOrCreateValue(listenOptions);
        settings.HasDefaults = true;

        // Only HTTP/2 alone needs Kestrel's stack told here (h2c on cleartext endpoints); an endpoint that places the
        // handler itself sets its protocols in UseAsgi, and HTTP/1.1 never reaches Kestrel's stack.
        var protocols = OptionsOf(listenOptions).Protocols;
        if (protocols == HttpProtocols.Http2)
        {
            ProtocolDispatch.Apply(listenOptions, protocols);
        }

        listenOptions.Use(next =>
        {
            var inner = settings.Placed ? next : ProtocolDispatch.Create(protocols, CreateHandler(listenOptions.ApplicationServices, app: null).OnConnectedAsync, next);
            return ReadProxyProtocol(listenOptions, inner);
        });
    }

    internal static AsgiConnectionHandler CreateHandler(IServiceProvider services, AsgiApp? app)
    {
        var resolved = app ?? services.GetService<AsgiApplication>()?.App
            ?? throw new InvalidOperationException("No ASGI application: pass one to ListenOptions.UseAsgi(app) or register it with IWebHostBuilder.UseAsgi(app).");
        var registry = AsgiAppRegistry.For(services);
        var instance = registry.GetOrAdd(resolved);
        return new AsgiConnectionHandler(
            resolved,
            registry.Options,
            instance.State,
            services.GetRequiredService<ILoggerFactory>(),
            instance.Ready);
    }

    /// <summary>The host's settings (the defaults when AsgiBridge's options are not registered).</summary>
    private static AsgiServerOptions OptionsOf(ListenOptions listenOptions) =>
        listenOptions.ApplicationServices?.GetService<IOptions<AsgiServerOptions>>()?.Value ?? new AsgiServerOptions();

    /// <summary>The endpoint's own PROXY protocol setting, else the host's.</summary>
    private static AsgiProxyProtocol ProxyProtocolFor(ListenOptions listenOptions) =>
        s_endpoints.TryGetValue(listenOptions, out var settings) && settings.ProxyProtocol is { } protocol
            ? protocol
            : listenOptions.ApplicationServices.GetRequiredService<IOptions<AsgiServerOptions>>().Value.ProxyProtocol;

    /// <summary>
    /// <paramref name="next"/> behind a PROXY protocol reader when the endpoint expects a header; unchanged (nothing
    /// per connection) when it does not. The allow list is parsed once per endpoint.
    /// </summary>
    private static ConnectionDelegate ReadProxyProtocol(ListenOptions listenOptions, ConnectionDelegate next)
    {
        var protocol = ProxyProtocolFor(listenOptions);
        if (protocol == AsgiProxyProtocol.Off)
        {
            return next;
        }

        var services = listenOptions.ApplicationServices;
        var registry = AsgiAppRegistry.For(services);
        var reader = new ProxyProtocolMiddleware(
            next,
            protocol,
            ForwardedAllowList.Parse(registry.Options.ForwardedAllowIps ?? ""),
            registry.Options.TimeoutRequestHeaders,
            registry.HostState,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("AsgiBridge.ProxyProtocol"));
        return reader.OnConnectionAsync;
    }

    /// <summary>What AsgiBridge has been told about one endpoint.</summary>
    private sealed class EndpointSettings
    {
        /// <summary>Whether <see cref="UseAsgi"/> placed the handler on the endpoint itself.</summary>
        public bool Placed { get; set; }

        /// <summary>Whether AsgiBridge's endpoint defaults ran for the endpoint.</summary>
        public bool HasDefaults { get; set; }

        /// <summary>The endpoint's own PROXY protocol setting (<see cref="WithProxyProtocol"/>), if any.</summary>
        public AsgiProxyProtocol? ProxyProtocol { get; set; }
    }
}
