using System.Runtime.InteropServices;
using AsgiBridge;
using AsgiBridge.Host.Apps;
using AsgiBridge.Host.Cli;
using AsgiBridge.Host.Logging;
using AsgiBridge.Host.Reload;
using AsgiBridge.Host.Startup;
using AsgiBridge.Python;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

// The runnable host: `dotnet run --project src/Host -- --app echo --urls http://127.0.0.1:8001` (or uvicorn's
// `--host`/`--port`); `--help` lists the options and the exit codes.

// Socket completions run inline on the socket engine's thread instead of hopping to the thread pool: 14-25 % more
// plaintext and 5-8 % more pipelined throughput here (bench/RESULTS.md, --tuned). Safe for the built-in apps,
// which never block a thread; an app that blocks would stall other connections. Set the variable to 0 to opt out.
// It must be set before the first socket is created, which is why it is the first thing the host does.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

var command = CommandLine.Parse(args);
switch (command.Action)
{
    case CommandLineAction.Help:
        await Console.Out.WriteAsync(Usage.Text);
        return ExitCodes.Success;
    case CommandLineAction.Version:
        await Console.Out.WriteLineAsync(Usage.VersionLine);
        return ExitCodes.Success;
    case CommandLineAction.Error:
        await Console.Error.WriteLineAsync(command.Error);
        await Console.Error.WriteLineAsync();
        await Console.Error.WriteAsync(Usage.Text);
        return ExitCodes.UsageError;
}

// --env-file: read before the configuration (its Asgi__... variables are settings like any other) and before a Python
// app is loaded or python3 re-runs this host, which inherits them (docs/configuration.md, "Command line").
if (command.Settings.LastOrDefault(s => s.Key == UvicornFlags.EnvFileKey).Value is { } envFile && EnvFile.Load(envFile) is { } envFileFailure)
{
    return await FailedAsync(envFileFailure);
}

var builder = WebApplication.CreateSlimBuilder(command.ToArgs());
builder.Logging.AddBatchedConsole();
// The slim builder pins the console formatter to "simple": let Logging:Console:FormatterName (json, systemd) choose.
builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.FormatterName = builder.Configuration["Logging:Console:FormatterName"] ?? o.FormatterName);

// A Python app (--python main:app) is loaded once the host is built, so its traceback reaches the host's log.
await using var python = PythonApp.FromConfiguration(builder.Configuration);
var appName = python?.Spec ?? builder.Configuration["app"] ?? BuiltInApps.DefaultName;
AsgiApp? app = python?.App;
if (app is null && !BuiltInApps.TryGet(appName, out app))
{
    await Console.Error.WriteLineAsync($"Unknown app '{appName}'. Built-in apps: {string.Join(", ", BuiltInApps.Names)}.");
    return ExitCodes.UsageError;
}

var urls = builder.Configuration["urls"];
if (string.IsNullOrWhiteSpace(urls))
{
    urls = $"http://{CommandLine.DefaultHost}:{CommandLine.DefaultPort}";
    builder.WebHost.UseUrls(urls);
}

// Checked before anything starts (the app's lifespan included): Kestrel would bind a malformed address somewhere
// else rather than refuse it.
if (!ListenAddresses.TryParse(urls, out var addresses, out var invalid) || !HostSettings.TryCheck(builder.Configuration, out invalid))
{
    return await FailedAsync(invalid);
}

// Python:Embed=Process (the default): from here on the process may be python3 running this host again from the start
// (same PID); nothing has started yet that it would lose (docs/python.md, "Embedding").
python?.RunUnderPython3(builder.Configuration, args);

StartupLogging.HideHostStartupFaults(builder.Logging, builder.Configuration);
PipelineRequestLogs.QuietByDefault(builder.Logging, builder.Configuration);
builder.WebHost.UseAsgi(app);
if (python is not null && HostSettings.PythonSocketsOnLoop(builder.Configuration))
{
    // Socket reads and writes on the Python loop's thread: no thread switch per request (docs/python.md).
    builder.WebHost.UsePythonEventLoopSockets();
}

await using var host = builder.Build();

try
{
    // Bound and validated here rather than by the host's start, which would report a bad setting with its stack,
    // and which cannot be stopped cleanly when it fails that early.
    _ = host.Services.GetRequiredService<IOptions<AsgiServerOptions>>().Value;
}
catch (Exception ex) when (ex is InvalidOperationException or OptionsValidationException)
{
    return await FailedAsync(StartupFailure.Describe(ex, addresses, []));
}

// --reload: this process only watches the app's sources and runs the app in a child host it restarts on a change.
// Reached once the settings and addresses are checked, so a bad one fails here rather than in every child.
if (builder.Configuration[PythonFlags.ReloadKey] is { } reload)
{
    if (!bool.TryParse(reload, out var reloading))
    {
        return await FailedAsync($"Python:Reload: '{reload}' is not true or false.");
    }

    if (reloading)
    {
        var directories = builder.Configuration.GetSection(PythonFlags.ReloadDirsKey).GetChildren().Select(d => Path.GetFullPath(d.Value ?? "")).ToList();
        if (directories.Count == 0)
        {
            directories.Add(Path.GetFullPath(builder.Configuration["Python:AppDir"] ?? Environment.CurrentDirectory));
        }

        var quiet = SourceWatcher.Quiet;
        if (builder.Configuration[PythonFlags.ReloadDelayKey] is { } delay)
        {
            if (!double.TryParse(delay, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var delaySeconds) || !double.IsFinite(delaySeconds) || delaySeconds < 0 || delaySeconds > 3600)
            {
                return await FailedAsync($"{PythonFlags.ReloadDelayKey}: '{delay}' is not a number of seconds between 0 and 3600.");
            }

            quiet = TimeSpan.FromSeconds(delaySeconds);
        }

        string[] Patterns(string key) => [.. builder.Configuration.GetSection(key).GetChildren().Select(p => p.Value ?? "").Where(p => p.Length > 0)];
        var filter = new SourceFilter(Patterns(PythonFlags.ReloadIncludesKey), Patterns(PythonFlags.ReloadExcludesKey));
        var grace = TimeSpan.FromSeconds(int.TryParse(builder.Configuration["shutdownTimeoutSeconds"], out var seconds) ? seconds : 30);
        // The host is built (its logging, settings) but never started here: the child starts its own.
        var reloadLogger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(HostLog.Category);
        return await ReloadSupervisor.RunAsync(ReloadArguments.ForChild(args), directories, filter, quiet, grace, reloadLogger);
    }
}

var server = host.Services.GetRequiredService<IServer>();
ICollection<string> Bound() => server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(HostLog.Category);
if (python?.Load(builder.Configuration, logger) is { } loadFailure)
{
    return await FailedAsync(loadFailure);
}

appName = python?.Description ?? appName;
host.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var address in Bound())
    {
        HostLog.Serving(logger, appName, address);
    }
});

// The first SIGINT/SIGTERM starts a graceful shutdown (the host's default); a second one forces exit, like uvicorn.
var signals = 0;
void OnSignal(PosixSignalContext context)
{
    if (Interlocked.Increment(ref signals) > 1)
    {
        Console.Error.WriteLine("Second signal: exiting without waiting for requests to finish.");
        Environment.Exit(ExitCodes.ForcedExit);
    }
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

try
{
    await host.StartAsync();
}
catch (Exception ex)
{
    // An address that cannot be bound, a failed lifespan startup, anything else: one line, no stack, said before
    // the stop below, which may wait for the app's lifespan shutdown.
    var exitCode = await FailedAsync(StartupFailure.Describe(ex, addresses, [.. Bound()]));

    // The generic host leaves started services running when a later one fails to start: the app's lifespan
    // startup ran before Kestrel tried to bind. Stopping the host runs its lifespan.shutdown (ASGI lifespan spec).
    try
    {
        await host.StopAsync();
    }
    catch (Exception)
    {
        // The services log their own stop failures; the start-up failure is what the line reports.
    }

    return exitCode;
}

await host.WaitForShutdownAsync();
return ExitCodes.Success;

// A start-up failure: one line on stderr, exit code 3.
static async Task<int> FailedAsync(string reason)
{
    await Console.Error.WriteLineAsync($"Host failed to start: {reason}");
    return ExitCodes.StartupFailed;
}
