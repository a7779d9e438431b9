using System.Runtime.InteropServices;
using AsgiBridge.Host.Cli;
using AsgiBridge.Host.Startup;

namespace AsgiBridge.Host.Reload;

/// <summary>
/// <c>--reload</c> (docs/python.md), as uvicorn's: this process only watches the app's Python sources and runs the app
/// in a child host; a change stops the child gracefully (the requests in flight finish) and starts a new one, which
/// imports the changed code afresh (CPython cannot be unloaded from a process, so a new process is the only clean
/// reload). A child that fails to start (a syntax error in the change) is reported and the next change tries again.
/// SIGINT or SIGTERM stops the child gracefully and then this process, with the child's exit code.
/// </summary>
internal static class ReloadSupervisor
{
    /// <summary>How long a child may take to stop beyond the host's own graceful-shutdown timeout before it is killed.</summary>
    private static readonly TimeSpan s_stopMargin = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(IReadOnlyList<string> childArguments, IReadOnlyList<string> directories, SourceFilter filter, TimeSpan quiet, TimeSpan gracefulShutdown, ILogger logger)
    {
        foreach (var directory in directories)
        {
            if (!Directory.Exists(directory))
            {
                await Console.Error.WriteLineAsync($"Host failed to start: reload directory '{directory}' does not exist.").ConfigureAwait(false);
                return ExitCodes.StartupFailed;
            }
        }

        using var stopping = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            // The child gets its own stop from us (and, from a terminal's Ctrl+C, from the terminal too): wait for it.
            context.Cancel = true;
            stopping.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var watcher = new SourceWatcher(directories, filter, quiet);
        var grace = gracefulShutdown + s_stopMargin;
        HostLog.ReloadWatching(logger, Environment.ProcessId, string.Join(", ", filter.Includes), string.Join(", ", directories));
        HostLog.ReloadPatterns(logger, string.Join(", ", filter.Excludes), quiet.TotalSeconds);

        var child = ChildHost.Start(childArguments);
        try
        {
            while (true)
            {
                var change = watcher.NextChangeAsync(stopping.Token);
                var finished = await Task.WhenAny(change, child.Exited).ConfigureAwait(false);
                if (stopping.IsCancellationRequested)
                {
                    return await child.StopAsync(grace).ConfigureAwait(false);
                }

                if (finished == child.Exited)
                {
                    // The app stopped on its own (a failed start, Asgi:LimitMaxRequests): wait for a change to retry.
                    var code = await child.Exited.ConfigureAwait(false);
                    HostLog.ReloadChildExited(logger, code);
                    try
                    {
                        await change.ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return code;
                    }
                }
                else
                {
                    var path = await change.ConfigureAwait(false);
                    HostLog.ReloadChange(logger, path);
                    await child.StopAsync(grace).ConfigureAwait(false);
                }

                child.Dispose();
                child = ChildHost.Start(childArguments);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return await child.StopAsync(grace).ConfigureAwait(false);
        }
        finally
        {
            child.Dispose();
        }
    }
}
