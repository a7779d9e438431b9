using AsgiBridge.Host.Cli;
using AsgiBridge.Python;
using AsgiBridge.Python.ProcessHost;

namespace AsgiBridge.Host.Startup;

/// <summary>
/// The Python app the <c>Python</c> settings name (<c>--python main:app</c>; docs/python.md): loaded after the host
/// is built, so a failure is logged with its Python traceback before the host prints its one line and exits 3.
/// Until then the host serves <see cref="App"/>, which forwards to the loaded app.
/// </summary>
internal sealed class PythonApp : IAsyncDisposable
{
    private PythonAsgiApp? _loaded;
    private string _embedding = "library";

    private PythonApp(string spec) => Spec = spec;

    /// <summary>The app as uvicorn names it: <c>main:app</c>.</summary>
    public string Spec { get; }

    /// <summary>The app to give to <c>UseAsgi</c> before it is loaded.</summary>
    public AsgiApp App => (scope, receive, send) => _loaded!.App(scope, receive, send);

    /// <summary>What the "Serving app" line calls it.</summary>
    public string Description => _loaded is null ? Spec : $"{Spec} (Python {_loaded.PythonVersion}, {_loaded.Interface}, {_loaded.EventLoop})";

    /// <summary>The Python app the configuration names, or null when it names none.</summary>
    public static PythonApp? FromConfiguration(IConfiguration configuration) =>
        configuration["Python:App"] is { Length: > 0 } spec ? new PythonApp(spec) : null;

    /// <summary>
    /// <c>Python:Embed=Process</c> (the default): replaces this process with python3 running the host again with
    /// <paramref name="args"/> (same PID and streams), where Python code runs faster than on the libpython this
    /// process would load (docs/python.md, "Embedding"). Returns when that does not happen: in python3 already, under
    /// <c>Python:Embed=Library</c> or an explicit <c>Python:Library</c>, in the <c>--reload</c> parent (which runs no
    /// Python; its children do this themselves), or when the interpreter cannot host .NET (the reason goes to the
    /// start-up log, and libpython is loaded as before).
    /// </summary>
    public void RunUnderPython3(IConfiguration configuration, string[] args)
    {
        if (PythonProcessHost.IsHosted)
        {
            _embedding = "process (python3 runs the host)";
            return;
        }

        if (!HostSettings.PythonEmbedsProcess(configuration))
        {
            _embedding = "library (Python:Embed=Library)";
            return;
        }

        if (!string.IsNullOrEmpty(configuration["Python:Library"]))
        {
            _embedding = "library (Python:Library names the library)";
            return;
        }

        if (configuration[PythonFlags.ReloadKey] is { } reload && !(bool.TryParse(reload, out var reloading) && !reloading))
        {
            return;
        }

        // Returns only when the process stays as it is.
        _embedding = $"library ({PythonProcessHost.Exec(Spec, Options(configuration), args)})";
    }

    /// <summary>Loads the app; on failure logs the traceback and returns the one line to print.</summary>
    public string? Load(IConfiguration configuration, ILogger logger)
    {
        var options = Options(configuration);
        try
        {
            _loaded = PythonAsgiApp.Load(Spec, options);
            HostLog.PythonLoaded(logger, Spec, _loaded.PythonExecutable, _loaded.PythonVersion, _loaded.Interface, _loaded.EventLoop, _loaded.InterpreterChoice, _embedding);
            return null;
        }
        catch (PythonLoadException ex)
        {
            if (ex.PythonTraceback is { } traceback)
            {
                HostLog.PythonLoadFailed(logger, Spec, traceback.TrimEnd());
            }

            return ex.Message;
        }
    }

    public ValueTask DisposeAsync() => _loaded?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static PythonAppOptions Options(IConfiguration configuration)
    {
        var section = configuration.GetSection("Python");
        return new PythonAppOptions
        {
            AppDir = section["AppDir"],
            Factory = section.GetValue<bool>("Factory"),
            Loop = section.GetValue("Loop", PythonEventLoop.Auto),
            Interface = section.GetValue("Interface", PythonAsgiInterface.Auto),
            PythonExecutable = section["Executable"],
            LibraryPath = section["Library"],
        };
    }
}
