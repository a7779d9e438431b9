using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace AsgiBridge.Hosting;

/// <summary>
/// <c>builder.WebHost.UseAsgi(app)</c> means the whole server is the ASGI application. Requests that reach the ASP.NET
/// Core pipeline (a server other than Kestrel, such as TestServer) are answered by the application too, ahead of the
/// pipeline the ASP.NET Core application builds, so every server behaves as AsgiBridge's handler does. That pipeline
/// is still built after it (never reached), so the endpoints it maps are known for <see cref="AsgiTakeoverWarning"/>.
/// </summary>
internal sealed class AsgiTakeoverStartupFilter : IStartupFilter
{
    private readonly AsgiApp _app;

    public AsgiTakeoverStartupFilter(AsgiApp app) => _app = app;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => builder =>
    {
        builder.UseAsgi(_app);
        next(builder);
    };
}
