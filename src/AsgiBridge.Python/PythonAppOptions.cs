namespace AsgiBridge.Python;

/// <summary>How <see cref="PythonAsgiApp.Load"/> finds the interpreter and the app (uvicorn's flags in brackets).</summary>
public sealed class PythonAppOptions
{
    /// <summary>
    /// The Python executable whose installation is embedded. Defaults to null: <c>$VIRTUAL_ENV/bin/python</c> when
    /// <c>VIRTUAL_ENV</c> is set, else <c>python3</c> on PATH, or <c>/usr/bin/python3</c> when only that one can import
    /// the app's module (packages installed with apt belong to it).
    /// </summary>
    public string? PythonExecutable { get; set; }

    /// <summary>
    /// The shared libpython to load. Defaults to null: the one the interpreter reports (<c>sysconfig</c>'s
    /// <c>LIBDIR</c>/<c>LDLIBRARY</c>).
    /// </summary>
    public string? LibraryPath { get; set; }

    /// <summary>A directory put first on <c>sys.path</c> before the app is imported (<c>--app-dir</c>). Defaults to null: none.</summary>
    public string? AppDir { get; set; }

    /// <summary>The attribute is a factory: call it without arguments to get the app (<c>--factory</c>). Defaults to false.</summary>
    public bool Factory { get; set; }

    /// <summary>The event loop (<c>--loop</c>). Defaults to <see cref="PythonEventLoop.Auto"/>.</summary>
    public PythonEventLoop Loop { get; set; } = PythonEventLoop.Auto;

    /// <summary>How the app is called (<c>--interface</c>). Defaults to <see cref="PythonAsgiInterface.Auto"/>.</summary>
    public PythonAsgiInterface Interface { get; set; } = PythonAsgiInterface.Auto;

    /// <summary>
    /// How long <see cref="PythonAsgiApp.DisposeAsync"/> waits for the loop to finish its tasks and the interpreter to
    /// finalize. Defaults to 10 seconds.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
