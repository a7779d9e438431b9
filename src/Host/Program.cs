using AsgiBridge;
using AsgiBridge.Host.Apps;

// The runnable host: `dotnet run --project src/Host -- --app echo --urls http://127.0.0.1:8001`.
var builder = WebApplication.CreateSlimBuilder(args);

var appName = builder.Configuration["app"] ?? BuiltInApps.DefaultName;
if (!BuiltInApps.TryGet(appName, out var app))
{
    await Console.Error.WriteLineAsync($"Unknown app '{appName}'. Built-in apps: {string.Join(", ", BuiltInApps.Names)}.").ConfigureAwait(false);
    return 2;
}

if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:8000");
}

builder.WebHost.UseAsgi(app);

await using var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
return 0;
