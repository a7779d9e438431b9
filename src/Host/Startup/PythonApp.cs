using AsgiBridge.Python;

namespace AsgiBridge.Host.Startup;

/// <summary>
/// The Python app the <c>Python</c> settings name (<c>--python main:app</c>; docs/python.md): loaded after the host
/// is built, so a failure is logged with its Python traceback before the host prints its one line and exits 3.
/// Until then the host serves <see cref="App"/>, which forwards to the loaded app.
/// </summary>
internal sealed class PythonApp : IAsyncDisposable
{
    private PythonAsgiApp? _loaded;

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

    /// <summary>Loads the app; on failure logs the traceback and returns the one line to print.</summary>
    public string? Load(IConfiguration configuration, ILogger logger)
    {
        var section = configuration.GetSection("Python");
        var options = new PythonAppOptions
        {
            AppDir = section["AppDir"],
            Factory = section.GetValue<bool>("Factory"),
            Loop = section.GetValue("Loop", PythonEventLoop.Auto),
            Interface = section.GetValue("Interface", PythonAsgiInterface.Auto),
            PythonExecutable = section["Executable"],
            LibraryPath = section["Library"],
        };
        try
        {
            _loaded = PythonAsgiApp.Load(Spec, options);
            HostLog.PythonLoaded(logger, Spec, _loaded.PythonExecutable, _loaded.PythonVersion, _loaded.Interface, _loaded.EventLoop, _loaded.InterpreterChoice);
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
}
