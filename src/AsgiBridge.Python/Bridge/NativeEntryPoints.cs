using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// The .NET functions Python calls: C functions (<c>METH_FASTCALL</c>, no argument tuple) set on the bridge module as
/// <c>_native_drain</c>, <c>_native_done</c>, <c>_native_counters</c> and <c>_native_run_deferred</c>, the socket
/// watches' callbacks, and the types of each scope's <c>receive</c> and <c>send</c> (<see cref="ChannelCallables"/>).
/// A call from Python costs what a call to a C extension costs. Each catches everything: an exception must not unwind
/// into CPython.
/// </summary>
internal static unsafe class NativeEntryPoints
{
    private static nint s_readableDef;
    private static nint s_writableDef;

    public static void Install(nint module)
    {
        Add(module, "_native_drain", &Drain);
        Add(module, "_native_done", &Done);
        Add(module, "_native_counters", &Counters);
        Add(module, "_native_run_deferred", &RunDeferred);
        ChannelCallables.Install(module);
        s_readableDef = Def("readable", &Readable);
        s_writableDef = Def("writable", &Writable);
    }

    /// <summary>A socket watch's read callback: the C function bound to <paramref name="id"/> (borrowed). New reference or 0.</summary>
    public static nint NewReadable(nint id) => CPython.NewFunction(s_readableDef, id);

    /// <summary>A socket watch's write callback, as <see cref="NewReadable"/>.</summary>
    public static nint NewWritable(nint id) => CPython.NewFunction(s_writableDef, id);

    private static nint Def(string name, delegate* unmanaged[Cdecl]<nint, nint*, nint, nint> function) => CTables.Methods((name, (nint)function));

    private static void Add(nint module, string name, delegate* unmanaged[Cdecl]<nint, nint*, nint, nint> function)
    {
        var pyFunction = CPython.NewFunction(Def(name, function), 0);
        if (pyFunction == 0)
        {
            CPython.PrintError();
            throw new InvalidOperationException($"Could not create the bridge function {name}.");
        }

        CPython.SetAttr(module, name, pyFunction);
        CPython.DecRef(pyFunction);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Drain(nint self, nint* args, nint count) => OnLoop(static loop => loop.Drain());

    /// <summary>The loop's <c>call_soon</c> callback that runs the work deferred to the end of a loop iteration.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint RunDeferred(nint self, nint* args, nint count) => OnLoop(static loop => loop.RunDeferred());

    /// <summary>Runs <paramref name="work"/> on the current loop; returns <c>None</c>, or 0 with a Python error set.</summary>
    private static nint OnLoop(Action<PythonLoop> work)
    {
        try
        {
            work(PythonLoop.Current!);
            return CPython.NewNone();
        }
        catch (Exception ex)
        {
            return Fail(ex);
        }
    }

    /// <summary>The loop saw a watched socket readable: <paramref name="self"/> is the watch's id.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Readable(nint self, nint* args, nint count) => Fire(self, readable: true);

    /// <summary>The loop saw a watched socket writable.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Writable(nint self, nint* args, nint count) => Fire(self, readable: false);

    private static nint Fire(nint self, bool readable)
    {
        try
        {
            if (CPython.TryGetLong(self, out var id))
            {
                Sockets.SocketWatch.Fire(id, readable);
            }

            return CPython.NewNone();
        }
        catch (Exception ex)
        {
            return Fail(ex);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Done(nint self, nint* args, nint count)
    {
        try
        {
            if (Channel(args, count, 3) is not { } channel)
            {
                return 0;
            }

            CPython.TryGetLong(args[1], out var outcome);
            channel.Done((int)outcome, CPython.ToStringOrNull(args[2]));
            return CPython.NewNone();
        }
        catch (Exception ex)
        {
            return Fail(ex);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Counters(nint self, nint* args, nint count)
    {
        try
        {
            var counters = PythonLoop.Current!.Counters;
            ReadOnlySpan<long> values =
            [
                counters.Scopes, counters.Wakeups, Volatile.Read(ref counters.WakeWrites), Volatile.Read(ref counters.Posts),
                ThreadPool.CompletedWorkItemCount, GC.GetTotalAllocatedBytes(precise: false),
                counters.SocketReadPauses, Volatile.Read(ref counters.SocketWriteWaits), counters.SendBatches, GC.CollectionCount(0),
            ];
            var tuple = CPython.NewTuple(values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                CPython.TupleSetStolen(tuple, i, CPython.NewInt(values[i]));
            }

            return tuple;
        }
        catch (Exception ex)
        {
            return Fail(ex);
        }
    }

    private static PythonChannel? Channel(nint* args, nint count, int expected)
    {
        var loop = PythonLoop.Current!;
        if (count != expected)
        {
            CPython.SetError(loop.Refs.TypeError, "bad call of an AsgiBridge bridge function");
            return null;
        }

        return Channel(loop, args[0]);
    }

    private static PythonChannel? Channel(PythonLoop loop, nint idObject)
    {
        if (!CPython.TryGetLong(idObject, out var id))
        {
            CPython.SetError(loop.Refs.TypeError, "bad call of an AsgiBridge bridge function");
            return null;
        }

        var channel = loop.Find(id);
        if (channel is null)
        {
            CPython.SetError(loop.Refs.RuntimeError, "the scope's channel is gone (the ASGI app already returned).");
        }

        return channel;
    }

    /// <summary>Raises <paramref name="ex"/> in Python as the bridge's error; returns 0 (NULL) for the caller to return.</summary>
    internal static nint Fail(Exception ex)
    {
        var loop = PythonLoop.Current;
        if (loop is not null && loop.Refs.RuntimeError != 0)
        {
            CPython.SetError(loop.Refs.RuntimeError, $"AsgiBridge bridge error: {ex.GetType().Name}: {ex.Message}");
        }

        return 0;
    }
}
