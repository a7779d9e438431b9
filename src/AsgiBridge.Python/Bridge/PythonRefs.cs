using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// The Python objects the .NET half calls, as raw references held for the interpreter's life: the bridge module's
/// functions, the loop's <c>create_future</c>, the lifespan state dict and the exception types raised in Python.
/// Loop thread only.
/// </summary>
internal sealed class PythonRefs
{
    /// <summary><c>_run(h, scope, receive, send)</c>: the coroutine that runs the app for one scope and reports its outcome.</summary>
    public nint Run { get; private set; }

    /// <summary><c>_throw</c>: raises what a call's <c>throw()</c> was given.</summary>
    public nint Throw { get; private set; }

    /// <summary>The loop's <c>create_task</c>.</summary>
    public nint CreateTask { get; private set; }

    /// <summary><c>asyncio.Task</c>, the loop, its <c>get_task_factory</c>, and the keyword-name tuples of <see cref="NewTask"/>.</summary>
    private nint _taskType;
    private nint _loop;
    private nint _getTaskFactory;
    private nint _loopAndName;
    private nint _name;

    /// <summary><c>_SENT</c>: the done future a <c>send</c> accepted at once returns.</summary>
    public nint Sent { get; private set; }

    public nint Resolve { get; private set; }

    public nint Reject { get; private set; }

    public nint Stop { get; private set; }

    public nint Pending { get; private set; }

    public nint CreateFuture { get; private set; }

    /// <summary>The loop's <c>add_reader</c>, <c>remove_reader</c>, <c>add_writer</c>, <c>remove_writer</c> (sockets on the loop).</summary>
    public nint AddReader { get; private set; }

    public nint RemoveReader { get; private set; }

    public nint AddWriter { get; private set; }

    public nint RemoveWriter { get; private set; }

    /// <summary>The loop's <c>call_soon</c>.</summary>
    public nint CallSoon { get; private set; }

    /// <summary><c>_native_run_deferred</c>: what <see cref="CallSoon"/> is given to run deferred work.</summary>
    public nint RunDeferred { get; private set; }

    /// <summary>The lifespan scope's <c>state</c>; every other scope gets a shallow copy (ASGI lifespan spec).</summary>
    public nint LifespanState { get; private set; }

    public nint ClientDisconnected { get; private set; }

    public nint RuntimeError { get; private set; }

    public nint OSError { get; private set; }

    public nint FileNotFoundError { get; private set; }

    public nint PermissionError { get; private set; }

    public nint TypeError { get; private set; }

    public void Bind(nint module)
    {
        Run = CPython.GetAttr(module, "_run");
        Throw = CPython.GetAttr(module, "_throw");
        Sent = CPython.GetAttr(module, "_SENT");
        Resolve = CPython.GetAttr(module, "_resolve");
        Reject = CPython.GetAttr(module, "_reject");
        Stop = CPython.GetAttr(module, "stop");
        Pending = CPython.GetAttr(module, "_pending");
        var loop = CPython.GetAttr(module, "_loop");
        CreateFuture = CPython.GetAttr(loop, "create_future");
        CreateTask = CPython.GetAttr(loop, "create_task");
        _getTaskFactory = CPython.GetAttr(loop, "get_task_factory");
        _taskType = CPython.GetAttr(module, "_Task");
        _loop = loop;
        CPython.IncRef(_loop);
        _loopAndName = CPython.NewTuple(2);
        CPython.TupleSetStolen(_loopAndName, 0, CPython.Intern("loop"));
        CPython.TupleSetStolen(_loopAndName, 1, CPython.Intern("name"));
        _name = CPython.NewTuple(1);
        CPython.TupleSetStolen(_name, 0, CPython.Intern("name"));
        AddReader = CPython.GetAttr(loop, "add_reader");
        CallSoon = CPython.GetAttr(loop, "call_soon");
        RunDeferred = CPython.GetAttr(module, "_native_run_deferred");
        RemoveReader = CPython.GetAttr(loop, "remove_reader");
        AddWriter = CPython.GetAttr(loop, "add_writer");
        RemoveWriter = CPython.GetAttr(loop, "remove_writer");
        CPython.DecRef(loop);
        LifespanState = CPython.GetAttr(module, "lifespan_state");
        ClientDisconnected = CPython.GetAttr(module, "ClientDisconnected");
        RuntimeError = CPython.GetAttr(module, "_RuntimeError");
        OSError = CPython.GetAttr(module, "_OSError");
        FileNotFoundError = CPython.GetAttr(module, "_FileNotFoundError");
        PermissionError = CPython.GetAttr(module, "_PermissionError");
        TypeError = CPython.GetAttr(module, "_TypeError");
    }

    /// <summary>Calls <paramref name="callable"/> with the arguments (references stolen); returns the new result reference or 0.</summary>
    public static nint Call(nint callable, params ReadOnlySpan<nint> stolenArgs)
    {
        var args = CPython.NewTuple(stolenArgs.Length);
        for (var i = 0; i < stolenArgs.Length; i++)
        {
            CPython.TupleSetStolen(args, i, stolenArgs[i]);
        }

        var result = CPython.Call(callable, args);
        CPython.DecRef(args);
        return result;
    }

    /// <summary>Calls a bridge function that must not raise; a raise is a bridge bug, printed with its traceback.</summary>
    public static void CallNoResult(nint callable, params ReadOnlySpan<nint> stolenArgs)
    {
        var result = Call(callable, stolenArgs);
        if (result == 0)
        {
            CPython.PrintError();
            return;
        }

        CPython.DecRef(result);
    }

    /// <summary>
    /// A task on the loop running <paramref name="coroutine"/>, named <paramref name="name"/> (both borrowed): what
    /// <c>loop.create_task(coroutine, name=name)</c> makes, built as <c>asyncio.Task(coroutine, loop=loop, name=name)</c>
    /// when the loop has no task factory — which is what <c>create_task</c> does then, without its wrapper around the
    /// constructor and without formatting a default <c>Task-N</c> name first (Python 3.11 formats it even when a name
    /// is given through uvloop). A new reference, or 0 with the error set.
    /// </summary>
    public nint NewTask(nint coroutine, nint name)
    {
        var factory = CPython.Vectorcall(_getTaskFactory, [], 0);
        if (factory == 0)
        {
            return 0;
        }

        var plain = factory == CPython.None;
        CPython.DecRef(factory);
        return plain
            ? CPython.Vectorcall(_taskType, [coroutine, _loop, name], 1, _loopAndName)
            : CPython.Vectorcall(CreateTask, [coroutine, name], 1, _name);
    }

    /// <summary>A new future on the loop (new reference), or 0 with the error set.</summary>
    public nint NewFuture() => Call(CreateFuture);

    /// <summary>The Python exception type a .NET exception from <c>receive</c>/<c>send</c> is raised as.</summary>
    public nint ExceptionTypeFor(Exception exception) => exception switch
    {
        ClientDisconnectedException => ClientDisconnected,
        AsgiProtocolException => RuntimeError,
        FileNotFoundException or DirectoryNotFoundException => FileNotFoundError,
        UnauthorizedAccessException => PermissionError,
        IOException => OSError,
        InvalidCastException or ArgumentException => TypeError,
        _ => RuntimeError,
    };
}
