using System.Reflection;
using System.Runtime.InteropServices;

namespace AsgiBridge.Python.ProcessHost;

/// <summary>
/// Where the launcher (<c>asgibridge_pyhost.py</c>, run by python3) enters .NET: it runs the app's own <c>Main</c>
/// with the app's arguments, so the app behaves as when started by <c>dotnet</c>, except that the process is a
/// Python interpreter and <see cref="PythonAsgiApp"/> uses it instead of loading libpython (docs/python.md,
/// "Embedding").
/// </summary>
internal static class HostedEntry
{
    /// <summary>Exit code of a .NET process whose <c>Main</c> threw (the runtime aborts with SIGABRT: 128 + 6).</summary>
    private const int UnhandledExceptionExitCode = 134;

    private static int s_entered;

    /// <summary>True once the launcher entered here: Python is initialized in this process, on its main thread.</summary>
    public static bool Entered => Volatile.Read(ref s_entered) != 0;

    /// <summary>Why the .NET process that became python3 chose this interpreter (for the start-up log); empty if none did.</summary>
    public static string Choice { get; private set; } = "";

    /// <summary>
    /// Runs the app whose path is <c>argv[0]</c> with <c>argv[1..]</c> and returns its exit code. Called on Python's
    /// main thread without the GIL (ctypes released it), which stays blocked here until <c>Main</c> returns.
    /// <paramref name="note"/> is the value of <see cref="PythonProcessHost.MarkerVariable"/> the launcher found.
    /// </summary>
    [UnmanagedCallersOnly]
    public static unsafe int Run(int argc, byte** argv, byte* note)
    {
        if (Interlocked.Exchange(ref s_entered, 1) != 0)
        {
            return UnhandledExceptionExitCode;
        }

        Choice = Marshal.PtrToStringUTF8((nint)note) ?? "";
        // The variable was in the environment .NET copied at start-up: child processes started from .NET must not see it.
        Environment.SetEnvironmentVariable(PythonProcessHost.MarkerVariable, null);

        var arguments = new string[Math.Max(argc - 1, 0)];
        for (var i = 1; i < argc; i++)
        {
            arguments[i - 1] = Marshal.PtrToStringUTF8((nint)argv[i]) ?? "";
        }

        try
        {
            var app = EntryAssembly(Marshal.PtrToStringUTF8((nint)argv[0]) ?? "");
            var main = app.EntryPoint ?? throw new InvalidOperationException($"{app.GetName().Name} has no entry point.");
            // What `dotnet app.dll` sets: code that asks for the entry assembly (the host's application name) finds it.
            Assembly.SetEntryAssembly(app);
            var result = main.Invoke(null, main.GetParameters().Length == 0 ? null : [arguments]);
            return result is int code ? code : 0;
        }
        catch (Exception ex)
        {
            var error = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            Console.Error.WriteLine($"Unhandled exception. {error}");
            return UnhandledExceptionExitCode;
        }
    }

    /// <summary>The app's assembly, from the default load context (the app's deps.json lists it, as under dotnet).</summary>
    private static Assembly EntryAssembly(string path) => Assembly.Load(AssemblyName.GetAssemblyName(path));
}
