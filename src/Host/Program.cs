using System.Runtime.InteropServices;
using AsgiBridge;
using AsgiBridge.Host.Apps;
using Microsoft.Extensions.Options;

// The runnable host: `dotnet run --project src/Host -- --app echo --urls http://127.0.0.1:8001`.
var builder = WebApplication.CreateSlimBuilder(args);

var appName = builder.Configuration["app"] ?? BuiltInApps.DefaultName;
if (!BuiltInApps.TryGet(appName, out var app))
{
    await Console.Error.WriteLineAsync($"Unknown app '{appName}'. Built-in apps: {string.Join(", ", BuiltInApps.Names)}.");
    return 2;
}

if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:8000");
}

builder.WebHost.UseAsgi(app);

await using var host = builder.Build();

// The first SIGINT/SIGTERM starts a graceful shutdown (the host's default); a second one forces exit, like uvicorn.
var signals = 0;
void OnSignal(PosixSignalContext context)
{
    if (Interlocked.Increment(ref signals) > 1)
    {
        Console.Error.WriteLine("Second signal: exiting without waiting for requests to finish.");
        Environment.Exit(130);
    }
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

try
{
    await host.RunAsync();
}
catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or OptionsValidationException)
{
    // Start-up failed (a bad setting, or the app's lifespan startup failed): the reason is logged; exit non-zero.
    await Console.Error.WriteLineAsync($"Host failed to start: {ex.Message}");
    return 3;
}

return 0;
