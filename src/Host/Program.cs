using System.Runtime.InteropServices;
using AsgiBridge;
using AsgiBridge.Host.Apps;
using Microsoft.Extensions.Options;

// The runnable host: `dotnet run --project src/Host -- --app echo --urls http://127.0.0.1:8001`.

// Socket completions run inline on the socket engine's thread instead of hopping to the thread pool: 14-25 % more
// plaintext and 5-8 % more pipelined throughput here (bench/RESULTS.md, --tuned). Safe for the built-in apps,
// which never block a thread; an app that blocks would stall other connections. Set the variable to 0 to opt out.
// It must be set before the first socket is created, which is why it is the first thing the host does.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

var builder = WebApplication.CreateSlimBuilder(args);
// The slim builder pins the console formatter to "simple": let Logging:Console:FormatterName (json, systemd) choose.
builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.FormatterName = builder.Configuration["Logging:Console:FormatterName"] ?? o.FormatterName);

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
