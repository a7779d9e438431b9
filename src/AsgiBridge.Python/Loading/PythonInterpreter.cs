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
    // What the interpreter reports about itself, as one JSON line.
    private const string Probe =
        "import json, sys, sysconfig\n" +
        "v = sysconfig.get_config_var\n" +
        "print(json.dumps({'executable': sys.executable, 'version': sys.version.split()[0], " +
        "'shared': v('Py_ENABLE_SHARED'), 'libdir': v('LIBDIR'), 'ldlibrary': v('LDLIBRARY'), " +
        "'instsoname': v('INSTSONAME'), 'multiarch': v('MULTIARCH')}))\n";

    /// <summary>
    /// Finds the interpreter: <paramref name="executable"/> when given, else <c>$VIRTUAL_ENV/bin/python</c>, else
    /// <c>python3</c> on PATH; and its shared library: <paramref name="library"/> when given, else the one the
    /// interpreter names.
    /// </summary>
    public static PythonInterpreter Locate(string? executable, string? library)
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
        if (string.IsNullOrEmpty(actual))
        {
            throw new PythonLoadException($"Python interpreter '{exe}' does not report its executable (sys.executable is empty).");
        }

        if (!string.IsNullOrEmpty(library))
        {
            return File.Exists(library)
                ? new PythonInterpreter(actual, version, Path.GetFullPath(library))
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
                return new PythonInterpreter(actual, version, candidate);
            }
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
