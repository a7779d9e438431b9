using System.Diagnostics;
using AsgiBridge.Python.Loading;

namespace AsgiBridge.Python.Tests.Hosting;

/// <summary>
/// Which Python is embedded when none is named: <c>python3</c> on PATH, unless only the system's
/// <c>/usr/bin/python3</c> can import the app (the frameworks apt installs belong to it). Each case needs the
/// machine to have the two interpreters it describes, and says so when it is skipped.
/// </summary>
public sealed class InterpreterChoiceTests
{
    private static readonly string s_appDir = Path.GetTempPath();

    [SkippableFact]
    public void A_module_only_the_system_python_can_import_chooses_the_system_python()
    {
        SkipUnlessDistinctInterpreters();
        Skip.IfNot(CanImport(PythonInterpreter.SystemPython, "fastapi"), "Debian's python3-fastapi is not installed for /usr/bin/python3");
        Skip.If(CanImport("python3", "fastapi"), "python3 on PATH can import fastapi itself here");

        var chosen = PythonInterpreter.Choose(null, null, "fastapi", s_appDir);
        Assert.Equal(Resolve(PythonInterpreter.SystemPython), Resolve(chosen.Executable));
        Assert.StartsWith("/usr/bin/python3: python3 on PATH (", chosen.Choice, StringComparison.Ordinal);
        Assert.Contains("cannot import 'fastapi' (ModuleNotFoundError: No module named 'fastapi')", chosen.Choice, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_module_both_can_import_keeps_python3_on_path()
    {
        SkipUnlessDistinctInterpreters();
        var chosen = PythonInterpreter.Choose(null, null, "json", s_appDir);
        Assert.Equal("python3 on PATH", chosen.Choice);
        Assert.NotEqual(Resolve(PythonInterpreter.SystemPython), Resolve(chosen.Executable));
    }

    [SkippableFact]
    public void A_module_neither_can_import_keeps_python3_on_path_so_its_error_is_the_one_reported()
    {
        SkipUnlessDistinctInterpreters();
        var chosen = PythonInterpreter.Choose(null, null, "no_such_module_anywhere", s_appDir);
        Assert.Equal("python3 on PATH", chosen.Choice);
    }

    [SkippableFact]
    public void A_named_executable_is_used_as_given()
    {
        Skip.IfNot(File.Exists(PythonInterpreter.SystemPython), "no /usr/bin/python3");
        var chosen = PythonInterpreter.Choose(PythonInterpreter.SystemPython, null, "no_such_module_anywhere", s_appDir);
        Assert.Equal("--python-exe", chosen.Choice);
        Assert.Equal(Resolve(PythonInterpreter.SystemPython), Resolve(chosen.Executable));
    }

    private static void SkipUnlessDistinctInterpreters()
    {
        Skip.IfNot(File.Exists(PythonInterpreter.SystemPython), "no /usr/bin/python3");
        Skip.If(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("VIRTUAL_ENV")), "VIRTUAL_ENV is set: it decides");
        var onPath = Executable("python3");
        Skip.If(onPath is null, "no python3 on PATH");
        Skip.If(Resolve(onPath!) == Resolve(PythonInterpreter.SystemPython), "python3 on PATH is /usr/bin/python3 itself");
    }

    private static string Resolve(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;

    private static string? Executable(string python) => Run(python, "import sys; print(sys.executable)") is (0, var output) ? output.Trim() : null;

    private static bool CanImport(string python, string module) => Run(python, $"import {module}").ExitCode == 0;

    private static (int ExitCode, string Output) Run(string python, string code)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(python, ["-c", code]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "");
        }
    }
}
