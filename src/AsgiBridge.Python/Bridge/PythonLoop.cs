using System.Collections.Concurrent;
using System.Reflection;
using AsgiBridge.Python.Interop;
using AsgiBridge.Python.Loading;
using AsgiBridge.Python.ProcessHost;
using Microsoft.Win32.SafeHandles;
using Python.Runtime;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// The one thread that runs Python: it starts the interpreter (so it is Python's main thread), imports the app, then
/// runs the asyncio loop that every scope's coroutine runs on, and finally finalizes the interpreter. It holds the
/// GIL whenever Python runs on it; no other .NET thread takes the GIL. In a process that is python3 running .NET
/// (<see cref="PythonProcessHost"/>), Python is already running: the thread takes the GIL from it, runs the same
/// way, and at the end releases the GIL instead of finalizing, which python3 does when it exits.
/// <para>
/// Kestrel's threads hand work over through <see cref="Post"/>: a lock-free queue, and one byte written to a pipe
/// the loop watches (<c>loop.add_reader</c>) when the queue goes from idle to busy. The loop then runs
/// <see cref="Drain"/>, which takes everything queued in one go: under load many requests start, and many
/// completions resolve, per wake-up, and a Kestrel thread never waits for the GIL.
/// </para>
/// </summary>
internal sealed class PythonLoop : IDisposable
{
    private const string ModuleName = "asgibridge_loop";

    private static PythonLoop? s_current;

    private PythonInterpreter _interpreter;
    private readonly string _appSpec;
    private readonly PythonAppOptions _options;
    private readonly ConcurrentQueue<(object? Target, WorkKind Kind)> _queue = new();
    private readonly Dictionary<long, PythonChannel> _channels = [];
    private readonly TaskCompletionSource<(string Interface, string Loop)> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private SafeFileHandle? _wakeWrite;
    private int _wakePending;
    private long _nextId;
    private volatile bool _stopping;
    private volatile bool _running;
    private int _threadId;
    private List<(Action<object?> Action, object? State)> _deferred = [];
    private List<(Action<object?> Action, object? State)> _deferredRunning = [];

    private PythonLoop(PythonInterpreter interpreter, string appSpec, PythonAppOptions options)
    {
        _interpreter = interpreter;
        _appSpec = appSpec;
        _options = options;
        _thread = new Thread(Run) { IsBackground = true, Name = "asgibridge-python" };
        SendScheduler = new Sockets.EndOfIterationScheduler(this);
    }

    /// <summary>What the bridge counts (docs/python.md, "Counted costs"), read from Python by <c>asgibridge_loop.counters()</c>.</summary>
    public BridgeCounters Counters { get; } = new();

    /// <summary>The output scheduler of the sockets on this loop (<see cref="Sockets.EndOfIterationScheduler"/>).</summary>
    public System.IO.Pipelines.PipeScheduler SendScheduler { get; }

    /// <summary>Python objects the bridge calls (borrowed from the module, which lives as long as the interpreter).</summary>
    public PythonRefs Refs { get; } = new();

    public string Interface { get; private set; } = "";

    public string LoopName { get; private set; } = "";

    public PythonInterpreter Interpreter => _interpreter;

    /// <summary>The running loop, for the native entry points (one interpreter per process, so one loop).</summary>
    public static PythonLoop? Current => s_current;

    /// <summary>Starts the thread, and waits until the app is imported or the import failed.</summary>
    public static PythonLoop Start(PythonInterpreter interpreter, string appSpec, PythonAppOptions options)
    {
        var loop = new PythonLoop(interpreter, appSpec, options);
        if (Interlocked.CompareExchange(ref s_current, loop, null) is not null)
        {
            throw new InvalidOperationException("A Python app is already loaded in this process: the interpreter is per process.");
        }

        loop._thread.Start();
        try
        {
            (loop.Interface, loop.LoopName) = loop._loaded.Task.GetAwaiter().GetResult();
        }
        catch
        {
            loop._exited.Task.Wait(TimeSpan.FromSeconds(10));
            throw;
        }

        return loop;
    }

    /// <summary>
    /// True while the loop runs (from just before <c>run_forever</c> until it returned): work posted after that is
    /// never run, and a socket closes without the loop.
    /// </summary>
    public bool IsRunning => _running;

    /// <summary>True on the loop thread while the loop runs: Python may be called (the GIL is held).</summary>
    public bool OnLoopThread => _running && Environment.CurrentManagedThreadId == _threadId;

    /// <summary>
    /// Runs work on the loop thread: at once when called there (the loop thread runs .NET code only from a call out of
    /// Python, so the GIL is held and nothing is waiting to be drained first), else queued and the loop woken if it is
    /// not already due to drain. <paramref name="target"/> is a <see cref="PythonChannel"/>, or an
    /// <see cref="ILoopWork"/> for <see cref="WorkKind.Socket"/>. Any thread.
    /// </summary>
    public void Post(object? target, WorkKind kind)
    {
        Interlocked.Increment(ref Counters.Posts);
        if (OnLoopThread)
        {
            Run(target, kind);
            return;
        }

        _queue.Enqueue((target, kind));
        if (Interlocked.Exchange(ref _wakePending, 1) == 0 && _wakeWrite is { } wake)
        {
            // One byte per idle-to-busy transition: the pipe never fills, so this write never blocks.
            Interlocked.Increment(ref Counters.WakeWrites);
            WakePipe.Write(wake);
        }
    }

    /// <summary>Stops the loop and waits for the thread to end (the interpreter finalized), at most <paramref name="timeout"/>.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (!_stopping)
        {
            _stopping = true;
            Post(null, WorkKind.Stop);
        }

        try
        {
            await _exited.Task.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> once the callbacks the loop is running now are done (<c>loop.call_soon</c>, one
    /// per batch). Loop thread only (<see cref="OnLoopThread"/>).
    /// </summary>
    public void Defer(Action<object?> action, object? state)
    {
        _deferred.Add((action, state));
        if (_deferred.Count == 1)
        {
            CPython.IncRef(Refs.RunDeferred);
            PythonRefs.CallNoResult(Refs.CallSoon, Refs.RunDeferred);
        }
    }

    /// <summary>Runs what <see cref="Defer"/> collected; what the actions defer meanwhile waits for the next call (loop thread).</summary>
    public void RunDeferred()
    {
        Counters.SendBatches++;
        (_deferred, _deferredRunning) = (_deferredRunning, _deferred);
        try
        {
            foreach (var (action, state) in _deferredRunning)
            {
                action(state);
            }
        }
        finally
        {
            _deferredRunning.Clear();
        }
    }

    /// <summary>Closes the wake pipe's write end (the loop thread has ended).</summary>
    public void Dispose() => _wakeWrite?.Dispose();

    /// <summary>The channel a Python call names (loop thread only).</summary>
    public PythonChannel? Find(long id) => _channels.TryGetValue(id, out var channel) ? channel : null;

    /// <summary>Forgets a finished channel (loop thread only).</summary>
    public void Forget(long id) => _channels.Remove(id);

    /// <summary>Runs what Kestrel's threads queued. Loop thread, GIL held (called from Python's wake-up callback).</summary>
    public void Drain()
    {
        // Reset before taking items: anything queued after this point wakes the loop again.
        Volatile.Write(ref _wakePending, 0);
        Counters.Wakeups++;
        while (_queue.TryDequeue(out var work))
        {
            try
            {
                Run(work.Target, work.Kind);
            }
            catch (Exception ex)
            {
                // A bridge bug must not strand the items queued behind it.
                Console.Error.WriteLine($"AsgiBridge.Python: {work.Kind} failed: {ex}");
            }
        }
    }

    private void Run(object? target, WorkKind kind)
    {
        switch (kind)
        {
            case WorkKind.Start:
                var id = ++_nextId;
                Counters.Scopes++;
                var channel = (PythonChannel)target!;
                _channels[id] = channel;
                channel.StartOnLoop(id);
                break;
            case WorkKind.ReceiveCompleted:
                ((PythonChannel)target!).DeliverReceive();
                break;
            case WorkKind.SendCompleted:
                ((PythonChannel)target!).DeliverSend();
                break;
            case WorkKind.Socket:
                ((ILoopWork)target!).RunOnLoop();
                break;
            case WorkKind.Stop:
                PythonRefs.CallNoResult(Refs.Stop);
                break;
        }
    }

    private void Run()
    {
        var initialized = false;
        try
        {
            if (PythonProcessHost.IsHosted)
            {
                // The C API is the executable's (no library to load: null, whatever PYTHONNET_PYDLL or VIRTUAL_ENV
                // would suggest). pythonnet finds Python initialized and takes the GIL on this thread
                // (PyGILState_Ensure) for good; python3's main thread waits in the launcher without it.
                Runtime.PythonDLL = null;
                PythonEngine.Initialize(setSysArgv: false);
                initialized = true;
                CPython.Bind(null);
                _interpreter = AsRunning(_interpreter);
            }
            else
            {
                Runtime.PythonDLL = _interpreter.LibraryPath;
                PythonEngine.ProgramName = _interpreter.Executable;
                PythonEngine.Initialize(setSysArgv: false);
                initialized = true;
                CPython.Bind(_interpreter.LibraryPath);
            }

            RunLoaded();
        }
        catch (Exception ex) when (!_loaded.Task.IsCompleted)
        {
            _loaded.TrySetException(ex as PythonLoadException ?? Describe(ex));
        }
        catch (Exception ex)
        {
            // The loop itself failed after the app loaded: a bridge bug. Requests in flight never complete; say so.
            Console.Error.WriteLine($"AsgiBridge.Python: the event loop thread failed: {ex}");
        }
        finally
        {
            if (initialized)
            {
                Finalize_();
                if (PythonProcessHost.IsHosted)
                {
                    CPython.ReleaseGilIfHeld();
                }
            }

            _wakeWrite?.Dispose();
            _exited.TrySetResult();
        }
    }

    private void RunLoaded()
    {
        var source = ReadModuleSource();
        // Executed as a module registered in sys.modules; tracebacks name its frames "<asgibridge_loop>".
        using var module = PyModule.FromString(ModuleName, source, $"<{ModuleName}>");

        NativeEntryPoints.Install(RawPointer(module));

        using var app = new PyString(_appSpec);
        using var appDir = _options.AppDir is null ? PyObject.None : new PyString(Path.GetFullPath(_options.AppDir));
        using var factory = _options.Factory.ToPython();
        using var iface = new PyString(_options.Interface.ToString().ToLowerInvariant());
        using var loopName = new PyString(_options.Loop.ToString().ToLowerInvariant());
        using var loaded = module.InvokeMethod("load", app, appDir, factory, iface, loopName);
        var result = (loaded[0].As<string>(), loaded[1].As<string>());

        Refs.Bind(RawPointer(module));
        PyStrings.Init();
        StatusPhrases.UseInterpreters();
        AsgiBridge.Cycle.UnsizedBodies.StreamAsUvicornDoes();

        int readFd, writeFd;
        using (var os = Py.Import("os"))
        using (var pipe = os.InvokeMethod("pipe"))
        {
            readFd = pipe[0].As<int>();
            writeFd = pipe[1].As<int>();
        }

        _wakeWrite = new SafeFileHandle(writeFd, ownsHandle: true);
        _loaded.TrySetResult(result);

        using var fd = new PyInt(readFd);
        _threadId = Environment.CurrentManagedThreadId;
        _running = true;
        try
        {
            module.InvokeMethod("run", fd).Dispose();
        }
        finally
        {
            _running = false;
            AbandonQueued();
        }
    }

    /// <summary>Work queued after the loop's last drain is never run: sockets still waiting for it are closed without it.</summary>
    private void AbandonQueued()
    {
        while (_queue.TryDequeue(out var work))
        {
            if (work.Target is ILoopWork abandoned)
            {
                abandoned.Abandon();
            }
        }
    }

    /// <summary>The interpreter this process is, as Python reports itself (loop thread, GIL held).</summary>
    private static PythonInterpreter AsRunning(PythonInterpreter hosting)
    {
        using var sys = Py.Import("sys");
        using var executable = sys.GetAttr("executable");
        using var version = sys.GetAttr("version");
        return hosting with { Executable = executable.As<string>(), Version = version.As<string>().Split(' ')[0] };
    }

    /// <summary>
    /// Finalizes the interpreter on the thread that started it (Python's main thread, as <c>Py_FinalizeEx</c> expects):
    /// atexit handlers run and non-daemon Python threads are joined. pythonnet would otherwise do it from its
    /// process-exit handler on another thread. In a python3 process, the same call only takes pythonnet's own
    /// objects and handlers out of the interpreter, which python3 finalizes when it exits.
    /// </summary>
    private static void Finalize_()
    {
        try
        {
            PythonEngine.Shutdown();
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"AsgiBridge.Python: interpreter shutdown failed: {ex.Message}");
        }
    }

    private static PythonLoadException Describe(Exception ex)
    {
        if (ex is PythonException python)
        {
            var typeName = python.Type.Name;
            var traceback = SafeFormat(python);
            var message = python.Message.Split('\n')[0];
            return typeName == "LoadError"
                ? new PythonLoadException(message, traceback)
                : new PythonLoadException($"Error loading ASGI app: {typeName}: {message}", traceback);
        }

        if (ex is DllNotFoundException or BadImageFormatException or TypeInitializationException)
        {
            return new PythonLoadException($"The Python library could not be loaded: {ex.GetBaseException().Message.Split('\n')[0]}", ex);
        }

        return new PythonLoadException($"Error loading ASGI app: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}", ex);
    }

    private static string? SafeFormat(PythonException python)
    {
        try
        {
            return python.Format();
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// The <c>PyObject*</c> behind a pythonnet object, for the C-API calls of the bridge. pythonnet marks the property
    /// obsolete as "for internal use"; it is the only way to hand its objects to the C API, and the object is kept
    /// alive by its owner (here: the module in <c>sys.modules</c>).
    /// </summary>
#pragma warning disable CS0612
    private static nint RawPointer(PyObject o) => o.Handle;
#pragma warning restore CS0612

    private static string ReadModuleSource()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ModuleName + ".py")
            ?? throw new InvalidOperationException("The bridge's Python module is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
