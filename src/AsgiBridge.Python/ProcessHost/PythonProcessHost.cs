using System.Collections;
using System.Runtime.InteropServices;
using AsgiBridge.Python.Loading;

namespace AsgiBridge.Python.ProcessHost;

/// <summary>
/// Runs this .NET process inside python3 instead of loading libpython into it (docs/python.md, "Embedding"). A
/// distribution's python3 executable has the interpreter linked in statically and built position-dependent, which
/// runs Python code about a quarter faster than the shared libpython a .NET process can load, and an executable
/// cannot be loaded as a library. So the process replaces itself (<c>execve</c>: same PID, same standard streams)
/// with <c>python3 asgibridge_pyhost.py APP.dll ARGS</c>; the launcher starts .NET inside python3 and runs the app's
/// <c>Main</c> again, where <see cref="PythonAsgiApp.Load"/> finds Python already running and uses it.
/// </summary>
public static partial class PythonProcessHost
{
    /// <summary>
    /// Set in the environment of the python3 the process becomes; its value is the reason the interpreter was chosen
    /// (the start-up log's). The launcher takes it out of the environment, so the app's child processes do not see
    /// it; a .NET process that finds it set was started by one that meant to become python3 and does not try again.
    /// </summary>
    public const string MarkerVariable = "ASGIBRIDGE_PYTHON_HOST";

    /// <summary>
    /// .NET multiplies its tier-up delay (the quiet time before hot methods are recompiled optimized) by ten in a
    /// process limited to one CPU — a one-CPU container or cpuset, <c>taskset</c> — to favour start-up there. A server
    /// whose event-loop thread keeps that CPU busy then runs the bridge's first-tier code for tens of seconds after a
    /// start or a <c>--reload</c> (docs/python.md, "Embedding"); the host keeps .NET's usual delay unless this variable
    /// (or its <c>COMPlus_</c> spelling) is set. Elsewhere it changes nothing.
    /// </summary>
    internal const string TierUpDelayVariable = "DOTNET_TC_DelaySingleProcMultiplier";

    /// <summary>The launcher, copied next to this assembly.</summary>
    internal const string LauncherFileName = "asgibridge_pyhost.py";

    /// <summary>Python 3.9 and later: the oldest the launcher is written for.</summary>
    private static readonly Version s_minimumVersion = new(3, 9);

    /// <summary>True when this process is python3 running .NET through the launcher: Python is already running here.</summary>
    public static bool IsHosted => HostedEntry.Entered;

    /// <summary>
    /// Replaces this process with python3 running this app (the entry assembly) with <paramref name="args"/>, when the
    /// interpreter <see cref="PythonAsgiApp.Load"/> would choose for <paramref name="appSpec"/> can host it (Python
    /// 3.9 or later, with ctypes). Call it early in <c>Main</c>: the process image is replaced, nothing of it survives
    /// but its PID, its open standard streams and its environment. Returns only when it did not happen, with the reason.
    /// </summary>
    /// <param name="appSpec">The app, such as <c>main:app</c> (its module decides between two interpreters on PATH).</param>
    /// <param name="options">The interpreter and app directory, as for <see cref="PythonAsgiApp.Load"/>.</param>
    /// <param name="args">The app's command line, given to its <c>Main</c> again inside python3.</param>
    /// <returns>Why the process stays as it is.</returns>
    public static string Exec(string appSpec, PythonAppOptions options, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(args);
        if (IsHosted)
        {
            return "this process already runs inside python3";
        }

        if (Environment.GetEnvironmentVariable(MarkerVariable) is not null)
        {
            return $"{MarkerVariable} is set: a process that meant to become python3 started this one";
        }

        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return "only on Linux and macOS";
        }

        var launcher = Path.Combine(Path.GetDirectoryName(typeof(PythonProcessHost).Assembly.Location) ?? "", LauncherFileName);
        var app = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        if (string.IsNullOrEmpty(app) || !File.Exists(launcher))
        {
            return $"the app's assembly or {LauncherFileName} is not a file on disk (a single-file app)";
        }

        PythonInterpreter interpreter;
        try
        {
            interpreter = PythonInterpreter.Choose(options.PythonExecutable, null, appSpec.Split(':', 2)[0], options.AppDir, requireLibrary: false);
        }
        catch (PythonLoadException ex)
        {
            return ex.Message;
        }

        if (!interpreter.CanHost)
        {
            return $"Python {interpreter.Version} at {interpreter.Executable} cannot host .NET (3.9 or later with ctypes needed)";
        }

        string[] argv = [interpreter.Executable, launcher, "--dotnet-root", DotnetRoot(), app, .. args];
        var environment = new List<string>();
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            environment.Add($"{variable.Key}={variable.Value}");
        }

        environment.Add($"{MarkerVariable}={interpreter.Choice}");
        if (Environment.GetEnvironmentVariable(TierUpDelayVariable) is null && Environment.GetEnvironmentVariable("COMPlus_TC_DelaySingleProcMultiplier") is null)
        {
            environment.Add($"{TierUpDelayVariable}=1");
        }

        ReleaseDiagnosticsPort();
        var errno = ExecNative.Execve(argv, [.. environment]);
        return $"python3 could not be started ({interpreter.Executable}: errno {errno})";
    }

    /// <summary>
    /// Removes this runtime's diagnostics socket (<c>$TMPDIR/dotnet-diagnostic-PID-KEY-socket</c>, what
    /// <c>dotnet-counters</c> and <c>dotnet-trace</c> connect to) before the process image is replaced. The runtime
    /// python3 starts has the same PID and the same process start time, hence the same socket name; with the file
    /// left behind it could not listen there, and the tools would find the dead socket (docs/observability.md).
    /// </summary>
    private static void ReleaseDiagnosticsPort()
    {
        try
        {
            var directory = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? tmp : "/tmp";
            foreach (var socket in Directory.EnumerateFiles(directory, $"dotnet-diagnostic-{Environment.ProcessId}-*-socket"))
            {
                File.Delete(socket);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Diagnostics are a convenience: the host starts without them.
        }
    }

    /// <summary>Whether <paramref name="version"/> (such as <c>3.11.2</c>) is one the launcher supports.</summary>
    internal static bool SupportedVersion(string version) =>
        Version.TryParse(string.Concat(version.TakeWhile(c => char.IsDigit(c) || c == '.')), out var parsed) && parsed >= s_minimumVersion;

    /// <summary>The .NET installation running this process (<c>shared/Microsoft.NETCore.App/VERSION</c> is three levels down).</summary>
    private static string DotnetRoot() =>
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
}
