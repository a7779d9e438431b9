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
    /// Registers AsgiBridge's services and Kestrel wiring; the same as <see cref="UseAsgi"/> for code that only
    /// has the service collection.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="app">The ASGI application.</param>
    /// <param name="configure">Optional code configuration, applied after the configuration section.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddAsgi(this IServiceCollection services, AsgiApp app, Action<AsgiServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(app);
        services.AddSingleton(new AsgiApplication(app));
        services.AddSingleton<AsgiServerState>();
        // Kestrel's socket transport with an accept loop that survives descriptor exhaustion (registered last, so
        // Kestrel picks it for TCP and unix-socket endpoints; a transport registered after it still wins).
        services.AddSingleton<IConnectionListenerFactory, Transport.AsgiSocketTransportFactory>();
        services.AddHostedService<Lifespan.LifespanRunner>();
        var options = services.AddOptions<AsgiServerOptions>()
            .Configure<IConfiguration>((o, configuration) => AsgiOptionsBinder.Bind(configuration.GetSection(AsgiServerOptions.SectionName), o));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<AsgiServerOptions>, AsgiServerOptionsValidator>();
        // First of all Kestrel configuration: Listen() applies endpoint defaults when it is called.
        services.AddSingleton<AsgiKestrelSetup>();
        services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>>(sp => sp.GetRequiredService<AsgiKestrelSetup>()));
        services.AddSingleton<IPostConfigureOptions<KestrelServerOptions>>(sp => sp.GetRequiredService<AsgiKestrelSetup>());
        return services;
    }
}
