using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace AsgiBridge.Python.Loading;

/// <summary>
/// The Python installation to embed: its executable (what <c>sys.executable</c> says, which becomes the embedded
/// interpreter's program name so a virtual environment's <c>site-packages</c> is found as the executable would find
/// it) and its shared libpython, located the way the interpreter itself reports it (<c>sysconfig</c>'s
/// <c>LIBDIR</c>/<c>LDLIBRARY</c>), since a static build (<c>Py_ENABLE_SHARED</c> 0) has nothing to embed.
/// </summary>
internal sealed record PythonInterpreter(string Executable, string Version, string LibraryPath)
{
    /// <summary>Debian's (and most distributions') own interpreter, which packages installed with apt belong to.</summary>
    internal const string SystemPython = "/usr/bin/python3";

    /// <summary>How this interpreter was chosen, for the start-up log.</summary>
    public string Choice { get; init; } = "";

    /// <summary>Whether its standard library has ctypes (which the launcher of <see cref="ProcessHost.PythonProcessHost"/> uses).</summary>
    public bool HasCtypes { get; init; }

    /// <summary>True when python3 itself can be the process, running .NET through the launcher (3.9 or later, ctypes).</summary>
    public bool CanHost => HasCtypes && ProcessHost.PythonProcessHost.SupportedVersion(Version);

    /// <summary>
    /// The interpreter this process is (python3 running .NET through the launcher): its executable and version are
    /// read from Python once the loop thread holds the GIL; the C API is the executable's own.
    /// </summary>
    public static PythonInterpreter ThisProcess(string choice) =>
        new(Environment.ProcessPath ?? "", "", Environment.ProcessPath ?? "")
        {
            Choice = string.IsNullOrEmpty(choice) ? "the Python running this process" : choice,
            HasCtypes = true,
        };

    // Imports the app's module as uvicorn would (the app directory first on sys.path), in a child process.
    private const string ImportProbe =
        "import importlib, sys\n" +
        "sys.path.insert(0, sys.argv[1])\n" +
        "importlib.import_module(sys.argv[2])\n";

    /// <summary>
    /// Chooses the interpreter for an app: <paramref name="executable"/> or <c>$VIRTUAL_ENV/bin/python</c> when there
    /// is one, else <c>python3</c> on PATH, unless that one cannot import the app's module and the system's
    /// <c>/usr/bin/python3</c> (a different installation) can. A <c>python3</c> managed by pyenv, conda or a
    /// version manager comes first on many PATHs, while the frameworks a user installed with apt (python3-fastapi,
    /// ...) belong to the system's: uvicorn runs on the Python it was installed into, and this is the nearest
    /// equivalent. Each candidate imports the module in a child process, so the embedded interpreter is started only
    /// once, with the one chosen (docs/python.md).
    /// With <paramref name="requireLibrary"/> false the interpreter is wanted as an executable only (python3 hosting
    /// the process): a build without a shared libpython then does not fail.
    /// </summary>
    public static PythonInterpreter Choose(string? executable, string? library, string module, string? appDir, bool requireLibrary = true)
    {
        if (!string.IsNullOrEmpty(executable))
        {
            return Locate(executable, library, requireLibrary) with { Choice = "--python-exe" };
        }

        var venv = Environment.GetEnvironmentVariable("VIRTUAL_ENV");
        if (!string.IsNullOrEmpty(venv) && File.Exists(Path.Combine(venv, "bin", "python")))
        {
            return Locate(null, library, requireLibrary) with { Choice = "VIRTUAL_ENV" };
        }

        var onPath = Locate("python3", library, requireLibrary) with { Choice = "python3 on PATH" };
        if (!File.Exists(SystemPython) || SameFile(onPath.Executable, SystemPython) || !string.IsNullOrEmpty(library))
        {
            return onPath;
        }

        var directory = Path.GetFullPath(string.IsNullOrEmpty(appDir) ? "." : appDir);
        if (Imports("python3", module, directory) is not { } failure)
        {
            return onPath;
        }

        PythonInterpreter system;
        try
        {
            system = Locate(SystemPython, library, requireLibrary);
        }
        catch (PythonLoadException)
        {
            return onPath;
        }

        return Imports(SystemPython, module, directory) is null
            ? system with { Choice = $"{SystemPython}: python3 on PATH ({onPath.Executable}) cannot import '{module}' ({failure})" }
            : onPath;
    }

    /// <summary>Null when <paramref name="exe"/> imports the module; else the last line of what it raised.</summary>
    private static string? Imports(string exe, string module, string directory)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", ImportProbe, directory, module })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return "could not be started";
            }

            process.StandardInput.Close();
            var errors = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                return "did not finish importing within 30 s";
            }

            return process.ExitCode == 0 ? null : errors.Result.Trim().Split('\n')[^1];
        }
        catch (Win32Exception)
        {
            return "could not be started";
        }
    }

    private static bool SameFile(string a, string b)
    {
        static string Resolve(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        return string.Equals(Resolve(a), Resolve(b), StringComparison.Ordinal);
    }

    // What the interpreter reports about itself, as one JSON line.
    private const string Probe =
        "import json, sys, sysconfig\n" +
        "v = sysconfig.get_config_var\n" +
        "print(json.dumps({'executable': sys.executable, 'version': sys.version.split()[0], " +
        "'shared': v('Py_ENABLE_SHARED'), 'libdir': v('LIBDIR'), 'ldlibrary': v('LDLIBRARY'), " +
        "'instsoname': v('INSTSONAME'), 'multiarch': v('MULTIARCH'), " +
        "'ctypes': __import__('importlib.util').util.find_spec('_ctypes') is not None}))\n";

    /// <summary>
    /// Finds the interpreter: <paramref name="executable"/> when given, else <c>$VIRTUAL_ENV/bin/python</c>, else
    /// <c>python3</c> on PATH; and its shared library: <paramref name="library"/> when given, else the one the
    /// interpreter names (when <paramref name="requireLibrary"/> is false, none found is no error: the path is then empty).
    /// </summary>
    public static PythonInterpreter Locate(string? executable, string? library, bool requireLibrary = true)
    {
        var exe = executable;
        if (string.IsNullOrEmpty(exe))
        {
            var venv = Environment.GetEnvironmentVariable("VIRTUAL_ENV");
            exe = !string.IsNullOrEmpty(venv) && File.Exists(Path.Combine(venv, "bin", "python")) ? Path.Combine(venv, "bin", "python") : "python3";
        }

        var facts = Ask(exe);
        var actual = facts.GetProperty("executable").GetString();
        var version = facts.GetProperty("version").GetString() ?? "?";
        var hasCtypes = facts.TryGetProperty("ctypes", out var ctypes) && ctypes.ValueKind == JsonValueKind.True;
        if (string.IsNullOrEmpty(actual))
        {
            throw new PythonLoadException($"Python interpreter '{exe}' does not report its executable (sys.executable is empty).");
        }

        if (!string.IsNullOrEmpty(library))
        {
            return File.Exists(library)
                ? new PythonInterpreter(actual, version, Path.GetFullPath(library)) { HasCtypes = hasCtypes }
                : throw new PythonLoadException($"The Python library '{library}' does not exist.");
        }

        var libdir = Text(facts, "libdir");
        var candidates = new List<string>();
        foreach (var name in new[] { Text(facts, "ldlibrary"), Text(facts, "instsoname") })
        {
            if (name is null || !name.Contains(".so", StringComparison.Ordinal) && !name.EndsWith(".dylib", StringComparison.Ordinal))
            {
                continue; // libpythonX.Y.a: a static build
            }

            if (libdir is not null)
            {
                candidates.Add(Path.Combine(libdir, name));
                if (Text(facts, "multiarch") is { } multiarch)
                {
                    candidates.Add(Path.Combine(libdir, multiarch, name));
                }
            }
        }

        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return new PythonInterpreter(actual, version, candidate) { HasCtypes = hasCtypes };
            }
        }

        if (!requireLibrary)
        {
            return new PythonInterpreter(actual, version, "") { HasCtypes = hasCtypes };
        }

        var shared = facts.GetProperty("shared").ValueKind == JsonValueKind.Number && facts.GetProperty("shared").GetInt32() == 1;
        throw new PythonLoadException(shared
            ? $"Python {version} at {actual}: its shared library ({Text(facts, "ldlibrary")} in {libdir}) was not found; give its path."
            : $"Python {version} at {actual} has no shared libpython (built without --enable-shared): install one that has, or give the library's path.");
    }

    private static string? Text(JsonElement facts, string name) =>
        facts.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static JsonElement Ask(string exe)
    {
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Probe);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PythonLoadException($"Python interpreter '{exe}' could not be started.");
        }
        catch (Win32Exception)
        {
            throw new PythonLoadException(exe.Contains('/', StringComparison.Ordinal)
                ? $"Python interpreter '{exe}' not found."
                : $"Python interpreter '{exe}' not found on PATH.");
        }

        using (process)
        {
            process.StandardInput.Close();
            var errors = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                throw new PythonLoadException($"Python interpreter '{exe}' did not answer within 30 s.");
            }

            if (process.ExitCode != 0)
            {
                var last = errors.Result.Trim().Split('\n')[^1];
                throw new PythonLoadException($"Python interpreter '{exe}' failed (exit code {process.ExitCode}): {last}");
            }

            try
            {
                using var document = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new PythonLoadException($"Python interpreter '{exe}' gave an unexpected answer: {output.Trim()}");
            }
        }
    }
}
