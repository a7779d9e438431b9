using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Hosting;

/// <summary>
/// Puts the ASGI handler on Kestrel's endpoints. Two Kestrel traps shape it (docs/configuration.md, Endpoints): endpoint defaults
/// run before an endpoint's own <c>UseHttps()</c>, so a handler added there would read raw TLS; and any
/// <c>Listen*</c> call makes Kestrel ignore <c>--urls</c>. So the endpoint defaults add a middleware that decides
/// when Kestrel binds: pass through on endpoints that placed the handler themselves (after TLS), else serve ASGI.
/// Being outermost, the same middleware reads a PROXY protocol header when the endpoint expects one, before TLS.
/// Plain http and unix <c>urls</c> are left to Kestrel (its defaults reach them); when an https address is among
/// them, all the urls are turned into our own <c>Listen*</c> calls so TLS comes first. This setup is registered
/// ahead of every other Kestrel configuration because <c>Listen</c> applies the defaults at the moment it is called.
/// </summary>
internal sealed class AsgiKestrelSetup : IConfigureOptions<KestrelServerOptions>, IPostConfigureOptions<KestrelServerOptions>
{
    private readonly IConfiguration _configuration;
    private readonly IOptions<AsgiServerOptions> _asgi;

    public AsgiKestrelSetup(IConfiguration configuration, IOptions<AsgiServerOptions> asgi)
    {
        _configuration = configuration;
        _asgi = asgi;
    }

    public void Configure(KestrelServerOptions options)
    {
        options.ConfigureEndpointDefaults(AsgiListenOptionsExtensions.UseEndpointDefaults);

        // The whole server is the ASGI app: Kestrel's own server-wide data rates are the Asgi ones, so the requests
        // Kestrel's stack serves (HTTP/2, HTTP/3: their streams take no per-request rate) keep the same guarantees as
        // AsgiBridge's HTTP/1.1 handler. Set first, so Kestrel's configuration section or ConfigureKestrel can still
        // override them.
        AsgiServerOptions asgi;
        try
        {
            asgi = _asgi.Value;
        }
        catch (Exception ex) when (ex is InvalidOperationException or OptionsValidationException)
        {
            // A bad Asgi setting: reported where the options are checked (the host's one-line start-up error, or the
            // server's start); Kestrel, which can be built before that check, keeps its defaults meanwhile.
            return;
        }

        options.Limits.MinRequestBodyDataRate = asgi.MinRequestBodyDataRate;
        options.Limits.MinResponseDataRate = asgi.MinResponseDataRate;
    }

    /// <summary>
    /// The https urls are bound after all other configuration, when Kestrel's services and certificate
    /// configuration are in place (<c>UseHttps()</c> needs both).
    /// </summary>
    public void PostConfigure(string? name, KestrelServerOptions options)
    {
        var urls = _configuration[WebHostDefaultsUrlsKey];
        if (string.IsNullOrWhiteSpace(urls))
        {
            return;
        }

        var addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!addresses.Any(a => a.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        foreach (var url in addresses)
        {
            Bind(options, url);
        }
    }

    private const string WebHostDefaultsUrlsKey = "urls";

    private static void Bind(KestrelServerOptions options, string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"Invalid address '{url}' in urls: {ex.Message}", ex);
        }

        var https = string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase);
        if (!https && !string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Invalid address '{url}' in urls: the scheme must be http or https.");
        }

        void Configure(ListenOptions listenOptions)
        {
            if (https)
            {
                listenOptions.UseHttps();
            }

            listenOptions.UseAsgi();
        }

        if (address.IsUnixPipe)
        {
            options.ListenUnixSocket(address.UnixPipePath, Configure);
        }
        else if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            options.ListenLocalhost(address.Port, Configure);
        }
        else if (address.Host is "*" or "+")
        {
            options.ListenAnyIP(address.Port, Configure);
        }
        else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            options.Listen(ip, address.Port, Configure);
        }
        else
        {
            // Like Kestrel: a host name other than localhost binds every interface.
            options.ListenAnyIP(address.Port, Configure);
        }
    }
}
