using System.Diagnostics;

namespace AsgiBridge.Python.Tests.Infrastructure;

/// <summary>
/// What the tests need from the machine: Debian's Python (whose dist-packages hold the frameworks .ci/run installs)
/// with a shared libpython, and the packages each test class imports. Asked once per test run.
/// </summary>
internal static class PythonPackages
{
    /// <summary>The interpreter the tests embed and run uvicorn with: Debian's, where apt installs the frameworks.</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly string[] s_modules = ["starlette", "fastapi", "multipart", "uvicorn", "django", "pydantic", "websockets", "uvloop", "quart", "falcon", "channels", "flask", "asgiref", "jinja2", "itsdangerous"];

    /// <summary>Debian packages whose name is not python3-MODULE.</summary>
    private static readonly Dictionary<string, string> s_debianNames = new(StringComparer.Ordinal) { ["channels"] = "django-channels" };

    private static readonly Lazy<(HashSet<string> Present, string? Problem)> s_probe = new(Probe);

    /// <summary>Why tests needing <paramref name="modules"/> cannot run here, or null when they can.</summary>
    public static string? Missing(params string[] modules)
    {
        var (present, problem) = s_probe.Value;
        if (problem is not null)
        {
            return problem;
        }

        var missing = modules.Where(m => !present.Contains(m)).ToArray();
        return missing.Length == 0
            ? null
            : $"{Python} cannot import {string.Join(", ", missing)} (install the Debian packages .ci/run lists: {string.Join(", ", missing.Select(m => "python3-" + s_debianNames.GetValueOrDefault(m, m)))})";
    }

    private static (HashSet<string>, string?) Probe()
    {
        if (!File.Exists(Python))
        {
            return ([], $"{Python} is not installed");
        }

        var script = "import importlib.util as u, sysconfig, os\n" +
                     $"print(','.join(m for m in {PyList(s_modules)} if u.find_spec(m)))\n" +
                     "v = sysconfig.get_config_var\n" +
                     "print(any(os.path.exists(os.path.join(v('LIBDIR') or '', n or '')) for n in (v('LDLIBRARY'), v('INSTSONAME')) if n and '.so' in n))\n";
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Split('\n');
        process.WaitForExit();
        if (process.ExitCode != 0 || output.Length < 2)
        {
            return ([], $"{Python} failed: {process.StandardError.ReadToEnd().Trim()}");
        }

        if (output[1].Trim() != "True")
        {
            return ([], $"{Python} has no shared libpython to embed");
        }

        return ([.. output[0].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries)], null);
    }

    private static string PyList(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(i => $"'{i}'")) + "]";
}
