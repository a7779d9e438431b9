using AsgiBridge.Python.Bridge;
using AsgiBridge.Python.Loading;
using AsgiBridge.Python.ProcessHost;

namespace AsgiBridge.Python;

/// <summary>
/// A Python ASGI application (Starlette, FastAPI, Django, a plain ASGI 3 or ASGI 2 callable) embedded in this process
/// and served as an <see cref="AsgiApp"/>: <c>builder.WebHost.UseAsgi(PythonAsgiApp.Load("main:app").App)</c>.
/// One asyncio event loop, on a thread of its own, runs every scope's coroutine (docs/python.md). The interpreter is
/// per process: load one app per process, and dispose it after the host has stopped.
/// </summary>
public sealed class PythonAsgiApp : IAsyncDisposable
{
    private readonly PythonLoop _loop;
    private readonly TimeSpan _shutdownTimeout;
    private int _disposed;

    private PythonAsgiApp(PythonLoop loop, TimeSpan shutdownTimeout)
    {
        _loop = loop;
        _shutdownTimeout = shutdownTimeout;
        App = Invoke;
    }

    /// <summary>The app, to give to <c>UseAsgi</c>; also serves the <c>lifespan</c> scope (state shared with every request).</summary>
    public AsgiApp App { get; }

    /// <summary>The Python executable whose installation is embedded (<c>sys.executable</c>).</summary>
    public string PythonExecutable => _loop.Interpreter.Executable;

    /// <summary>
    /// Why this interpreter: <c>--python-exe</c> (<see cref="PythonAppOptions.PythonExecutable"/>), <c>VIRTUAL_ENV</c>,
    /// <c>python3 on PATH</c>, or <c>/usr/bin/python3</c> with the reason <c>python3</c> on PATH was passed over.
    /// </summary>
    public string InterpreterChoice => _loop.Interpreter.Choice;

    /// <summary>The Python version, such as <c>3.11.2</c>.</summary>
    public string PythonVersion => _loop.Interpreter.Version;

    /// <summary>The shared libpython loaded; in python3 running .NET (<see cref="PythonProcessHost.IsHosted"/>), the python3 executable, whose C API is used.</summary>
    public string LibraryPath => _loop.Interpreter.LibraryPath;

    /// <summary>How the app is called: <c>asgi3</c> or <c>asgi2</c>.</summary>
    public string Interface => _loop.Interface;

    /// <summary>The event loop running: <c>uvloop</c> or <c>asyncio</c>.</summary>
    public string EventLoop => _loop.LoopName;

    /// <summary>
    /// Starts the interpreter and imports the app named by <paramref name="appSpec"/>, <c>module:attribute</c> as uvicorn
    /// takes it (the attribute may be dotted). Blocks until the import is done.
    /// </summary>
    /// <param name="appSpec">The app, such as <c>main:app</c>.</param>
    /// <param name="options">Interpreter, app directory, factory, loop; null for the defaults.</param>
    /// <returns>The loaded app.</returns>
    /// <exception cref="PythonLoadException">No usable interpreter, the module or attribute cannot be imported, or the factory failed.</exception>
    /// <exception cref="InvalidOperationException">A Python app is already loaded in this process.</exception>
    public static PythonAsgiApp Load(string appSpec, PythonAppOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(appSpec);
        options ??= new PythonAppOptions();
        // In python3 running .NET (PythonProcessHost) the interpreter is this process, chosen before it became python3.
        var interpreter = PythonProcessHost.IsHosted
            ? PythonInterpreter.ThisProcess(HostedEntry.Choice)
            : PythonInterpreter.Choose(options.PythonExecutable, options.LibraryPath, ModuleOf(appSpec), options.AppDir);
        var app = new PythonAsgiApp(PythonLoop.Start(interpreter, appSpec, options), options.ShutdownTimeout);

        // A malformed request gets uvicorn's 400 (docs/python.md, "Differences from uvicorn").
        AsgiBridge.Http1.RequestRejections.AnswerAsUvicornDoes();
        return app;
    }

    /// <summary>The module part of <c>module:attribute</c> (what the interpreter choice tries to import).</summary>
    private static string ModuleOf(string appSpec) => appSpec.Split(':', 2)[0];

    /// <summary>
    /// Stops the event loop (tasks still running are cancelled) and finalizes the interpreter; waits at most
    /// <see cref="PythonAppOptions.ShutdownTimeout"/>. Call it after the host has stopped.
    /// </summary>
    /// <returns>A task that completes when the interpreter has finalized or the timeout passed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _loop.StopAsync(_shutdownTimeout).ConfigureAwait(false);
        }
    }

    private ValueTask Invoke(AsgiScope scope, AsgiReceive receive, AsgiSend send)
    {
        var channel = new PythonChannel(_loop, scope, receive, send);
        _loop.Post(channel, WorkKind.Start);
        return channel.Completion;
    }
}
