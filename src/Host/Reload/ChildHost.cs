using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AsgiBridge.Host.Reload;

/// <summary>
/// The host serving the app under <c>--reload</c>: this same program, started again with the same command line less
/// the reload flags, sharing this console. Stopped as an operator would stop it: SIGTERM (a graceful shutdown), and
/// SIGKILL only if it is still running after the grace period.
/// </summary>
internal sealed partial class ChildHost : IDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;

    private ChildHost(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>Completes with the exit code when the child exits.</summary>
    public Task<int> Exited { get; private set; } = null!;

    public static ChildHost Start(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (IsDotnetMuxer(Environment.ProcessPath!))
        {
            // `dotnet Host.dll ...`: the child runs the same entry assembly the same way.
            start.ArgumentList.Add(typeof(ChildHost).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The app's host process could not be started.");
        var child = new ChildHost(process);
        child.Exited = WaitAsync(process);
        return child;
    }

    /// <summary>Asks the child to stop gracefully and waits; kills it if it is still running after <paramref name="grace"/>.</summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigTerm);
        }

        if (await Task.WhenAny(Exited, Task.Delay(grace)).ConfigureAwait(false) != Exited)
        {
            _process.Kill(entireProcessTree: true);
        }

        return await Exited.ConfigureAwait(false);
    }

    public void Dispose() => _process.Dispose();

    private static async Task<int> WaitAsync(Process process)
    {
        await process.WaitForExitAsync().ConfigureAwait(false);
        return process.ExitCode;
    }

    private static bool IsDotnetMuxer(string path) =>
        Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
