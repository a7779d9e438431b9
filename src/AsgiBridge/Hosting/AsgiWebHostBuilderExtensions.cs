using AsgiBridge.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AsgiBridge;

/// <summary>Adds AsgiBridge to an ASP.NET Core host.</summary>
public static class AsgiWebHostBuilderExtensions
{
    /// <summary>
    /// Makes every Kestrel endpoint serve <paramref name="app"/>: the addresses of <c>--urls</c> /
    /// <c>ASPNETCORE_URLS</c> (http, https with the default certificate, <c>http://unix:/path</c>), endpoints added
    /// with <c>Listen*</c> in code, and Kestrel's default address. Settings bind from the configuration section
    /// <c>Asgi</c> and are validated when the host starts. Do not replace Kestrel's endpoint defaults
    /// (<c>ConfigureEndpointDefaults</c>) afterwards: that is where endpoints without their own
    /// <see cref="AsgiListenOptionsExtensions.UseAsgi"/> get the handler.
    /// </summary>
    /// <param name="builder">The web host builder (<c>WebApplicationBuilder.WebHost</c>).</param>
    /// <param name="app">The ASGI application.</param>
    /// <param name="configure">Optional code configuration, applied after the configuration section.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IWebHostBuilder UseAsgi(this IWebHostBuilder builder, AsgiApp app, Action<AsgiServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(app);
        builder.ConfigureServices(services => services.AddAsgi(app, configure));
        return builder;
    }

    /// <summary>
    /// Makes the whole server <paramref name="app"/>, like <see cref="UseAsgi"/>, for code that only has the service
    /// collection: registers AsgiBridge's services (<see cref="AddAsgi(IServiceCollection, Action{AsgiServerOptions})"/>)
    /// and puts its HTTP/1.1 handler on every Kestrel endpoint. Under a server other than Kestrel (ASP.NET Core's
    /// <c>TestServer</c>), the application pipeline answers every request from <paramref name="app"/> too. Endpoints
    /// the ASP.NET Core application maps are never reached; a warning says so at start-up.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="app">The ASGI application.</param>
    /// <param name="configure">Optional code configuration, applied after the configuration section.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddAsgi(this IServiceCollection services, AsgiApp app, Action<AsgiServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(app);
        services.AddAsgi(configure);
        services.AddSingleton(new AsgiApplication(app));
        // Kestrel's socket transport with an accept loop that survives descriptor exhaustion (registered last, so
        // Kestrel picks it for TCP and unix-socket endpoints; a transport registered after it still wins).
        services.AddSingleton<IConnectionListenerFactory, Transport.AsgiSocketTransportFactory>();
        // First of all Kestrel configuration: Listen() applies endpoint defaults when it is called.
        services.AddSingleton<AsgiKestrelSetup>();
        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>>(sp => sp.GetRequiredService<AsgiKestrelSetup>()));
        services.AddSingleton<IPostConfigureOptions<KestrelServerOptions>>(sp => sp.GetRequiredService<AsgiKestrelSetup>());
        // Requests that reach the ASP.NET Core pipeline (TestServer, or an endpoint Kestrel serves itself) go to the
        // app as well, ahead of anything the application maps; mapped endpoints are reported at start-up.
        services.AddSingleton<IStartupFilter>(new AsgiTakeoverStartupFilter(app));
        services.AddHostedService<AsgiTakeoverWarning>();
        return services;
    }

    /// <summary>
    /// Registers AsgiBridge's services without taking over the server: the <c>Asgi</c> settings (bound from the
    /// configuration section and validated at start-up) and the lifespan of every ASGI application the host serves,
    /// run once per application instance before the server starts and after it stops. Call it for
    /// <see cref="AsgiEndpointRouteBuilderExtensions.MapAsgi"/>, <see cref="AsgiApplicationBuilderExtensions.UseAsgi"/>
    /// or <see cref="AsgiListenOptionsExtensions.UseAsgi"/>; without it those still work, but an application's
    /// lifespan starts when it is mapped and a failed startup answers its requests 500 instead of stopping the host.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Optional code configuration, applied after the configuration section.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddAsgi(this IServiceCollection services, Action<AsgiServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(AsgiAppRegistry)))
        {
            services.AddSingleton<AsgiServerState>();
            services.AddSingleton<AsgiAppRegistry>();
            services.AddHostedService<Lifespan.AsgiLifespanService>();
            services.AddOptions<AsgiServerOptions>()
                .Configure<IConfiguration>((o, configuration) => AsgiOptionsBinder.Bind(configuration.GetSection(AsgiServerOptions.SectionName), o))
                .ValidateOnStart();
            services.AddSingleton<IValidateOptions<AsgiServerOptions>, AsgiServerOptionsValidator>();
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }
}
