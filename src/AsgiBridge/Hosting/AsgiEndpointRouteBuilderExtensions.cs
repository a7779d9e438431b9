using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace AsgiBridge;

/// <summary>Maps an ASGI application into ASP.NET Core endpoint routing.</summary>
public static class AsgiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves <paramref name="app"/> for every request (HTTP and WebSocket) whose path is <paramref name="prefix"/>
    /// or below it, beside the application's other endpoints, after its middleware (authentication,
    /// <c>UseForwardedHeaders</c>, ...). The scope's <c>root_path</c> is the request's path base plus the matched
    /// prefix, and <c>path</c> includes it (ASGI's root_path rule). The application's lifespan runs once per
    /// application instance, however often it is mapped; the <c>Asgi</c> settings apply (see <c>AddAsgi()</c>).
    /// </summary>
    /// <param name="endpoints">The route builder (a <c>WebApplication</c>).</param>
    /// <param name="prefix">The path prefix, e.g. <c>"/asgi"</c>; <c>"/"</c> or empty for every path.</param>
    /// <param name="app">The ASGI application.</param>
    /// <returns>The endpoint's convention builder (for <c>RequireAuthorization()</c>, <c>WithName()</c>, ...).</returns>
    public static IEndpointConventionBuilder MapAsgi(this IEndpointRouteBuilder endpoints, string prefix, AsgiApp app)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(app);
        var trimmed = prefix.Trim().TrimEnd('/');
        if (trimmed.Length > 0 && trimmed[0] != '/')
        {
            trimmed = "/" + trimmed;
        }

        if (trimmed.Contains('{', StringComparison.Ordinal) || trimmed.Contains('}', StringComparison.Ordinal))
        {
            throw new ArgumentException("The prefix is a literal path (no route parameters).", nameof(prefix));
        }

        var handler = HttpContextBackend.HttpContextHandler.Create(endpoints.ServiceProvider, app, trimmed.Length);
        return endpoints.Map(trimmed + "/{**asgiPath}", handler).WithDisplayName($"ASGI {(trimmed.Length == 0 ? "/" : trimmed)}");
    }
}
