using Microsoft.AspNetCore.Builder;

namespace AsgiBridge;

/// <summary>Runs an ASGI application as terminal middleware of an ASP.NET Core pipeline.</summary>
public static class AsgiApplicationBuilderExtensions
{
    /// <summary>
    /// Answers every request that reaches this point of the pipeline (HTTP and WebSocket) from <paramref name="app"/>:
    /// terminal middleware, like <c>Run</c>. Inside <c>app.Map("/branch", b =&gt; b.UseAsgi(asgiApp))</c> the scope's
    /// <c>root_path</c> is the branch's path base. The application's lifespan runs once per application instance; the
    /// <c>Asgi</c> settings apply (see <c>AddAsgi()</c>).
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="app">The ASGI application.</param>
    public static void UseAsgi(this IApplicationBuilder builder, AsgiApp app)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(app);
        builder.Run(HttpContextBackend.HttpContextHandler.Create(builder.ApplicationServices, app, prefixLength: 0));
    }
}
