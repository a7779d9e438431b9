namespace AsgiBridge.Host.Startup;

/// <summary>The host's own log messages (category <c>AsgiBridge.Host</c>).</summary>
internal static partial class HostLog
{
    public const string Category = "AsgiBridge.Host";

    [LoggerMessage(1, LogLevel.Information, "Serving app '{App}' on {Address}")]
    public static partial void Serving(ILogger logger, string app, string address);

    [LoggerMessage(2, LogLevel.Information, "Loaded Python app '{App}' from {Executable} (Python {Version}, {Interface}, loop {Loop}; interpreter: {Choice}; embedded: {Embedding})")]
    public static partial void PythonLoaded(ILogger logger, string app, string executable, string version, string @interface, string loop, string choice, string embedding);

    [LoggerMessage(3, LogLevel.Error, "Python app '{App}' could not be loaded:\n{Traceback}")]
    public static partial void PythonLoadFailed(ILogger logger, string app, string traceback);

    [LoggerMessage(4, LogLevel.Information, "Reloader (pid {Pid}) watching {Includes} in {Directories}")]
    public static partial void ReloadWatching(ILogger logger, int pid, string includes, string directories);

    [LoggerMessage(7, LogLevel.Information, "Reloader excluding {Excludes}, restarting after {Delay} s of quiet")]
    public static partial void ReloadPatterns(ILogger logger, string excludes, double delay);

    [LoggerMessage(5, LogLevel.Warning, "Detected a change in '{Path}': reloading")]
    public static partial void ReloadChange(ILogger logger, string path);

    [LoggerMessage(6, LogLevel.Warning, "The app's host exited with code {ExitCode}; waiting for a change to *.py to start it again")]
    public static partial void ReloadChildExited(ILogger logger, int exitCode);
}
