using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// A scope's <c>receive</c> and <c>send</c> as C types made here (docs/python.md, "How it runs"):
/// <list type="bullet">
/// <item><c>receive</c> and <c>send</c>: one instance per scope, bound to the scope's id. asgibridge_loop.py gives the
/// types what <c>inspect.iscoroutinefunction</c> and <c>asyncio.iscoroutinefunction</c> look for (their instances'
/// <c>__name__</c> comes from here), as uvicorn's <c>async def</c> methods have.</item>
/// <item><c>_native_call</c>: what calling one returns, as calling an <c>async def</c> returns a coroutine: nothing
/// happens until it is awaited (or given to <c>create_task</c>: the module registers it as a
/// <c>collections.abc.Coroutine</c>, with <c>send</c>, <c>throw</c> and <c>close</c>). Its first step calls the
/// channel; an event the server already has (a received event, a send accepted at once) returns in that step without
/// suspending, else the step waits on the channel's future.</item>
/// </list>
/// This replaces an <c>async def</c> wrapper per call and a closure per scope: a call is one small object and one C
/// call into .NET, with no Python frame of the bridge. None of the types takes part in the cyclic collector (they
/// hold no reference or only a message and a future's iterator), so their objects cost no collector bookkeeping.
/// Loop thread only, with the GIL held; every entry point catches everything, an exception must not unwind into
/// CPython.
/// </summary>
internal static unsafe class ChannelCallables
{
    // Object layouts after PyObject_HEAD (16 bytes on 64-bit builds, Include/object.h).
    // receive, send:     long id @16, int kind @24 -> 32 bytes.
    // _native_call:     long id @16, int kind @24, int state @28, PyObject* message @32, PyObject* waiter @40 -> 48 bytes.
    private const int CallableSize = 32;
    private const int CallSize = 48;
    private const int IdOffset = 16;
    private const int KindOffset = 24;
    private const int StateOffset = 28;
    private const int MessageOffset = 32;
    private const int WaiterOffset = 40;

    // Include/object.h: what am_send returns.
    private const int PyGenReturn = 0;
    private const int PyGenError = -1;
    private const int PyGenNext = 1;

    // The kind field: the direction (Kind) in bit 0, and whether the scope is a request's.
    private const int KindMask = 1;
    private const int HttpScopeFlag = 2;

    // A call's state: not yet stepped, waiting on the channel's future, finished.
    private const int Fresh = 0;
    private const int Waiting = 1;
    private const int Finished = 2;

    /// <summary>Which end of the channel a callable is.</summary>
    public enum Kind
    {
        Receive = 0,
        Send = 1,
    }

    /// <summary>The <c>receive</c> and <c>send</c> types (new references held for the process), set on the module.</summary>
    public static nint ReceiveType { get; private set; }

    public static nint SendType { get; private set; }

    /// <summary>The <c>_native_call</c> type.</summary>
    public static nint CallType { get; private set; }

    /// <summary>Makes the types and sets them on the bridge module as <c>receive</c>, <c>send</c> and <c>_native_call</c>.</summary>
    public static void Install(nint module)
    {
        ReceiveType = NewCallableType("asgibridge_loop.receive", "A scope's ASGI receive (AsgiBridge).");
        SendType = NewCallableType("asgibridge_loop.send", "A scope's ASGI send (AsgiBridge).");
        CallType = CTables.NewType("asgibridge_loop._native_call", CallSize, CTables.FlagsDefault | CTables.FlagDisallowInstantiation,
            (CTables.SlotTpDealloc, (nint)(delegate* unmanaged[Cdecl]<nint, void>)&CallDealloc),
            (CTables.SlotAmAwait, CPythonTypes.SelfIter),
            (CTables.SlotAmSend, (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint*, int>)&CallAmSend),
            (CTables.SlotTpIter, CPythonTypes.SelfIter),
            (CTables.SlotTpIterNext, (nint)(delegate* unmanaged[Cdecl]<nint, nint>)&CallIterNext),
            (CTables.SlotTpMethods, CTables.Methods(
                ("send", Fast(&CallSendMethod)),
                ("throw", Fast(&CallThrowMethod)),
                ("close", Fast(&CallCloseMethod)))),
            (CTables.SlotTpDoc, CTables.Utf8("An awaited receive() or send(): a coroutine of the AsgiBridge bridge.")));
        CPython.SetAttr(module, "receive", ReceiveType);
        CPython.SetAttr(module, "send", SendType);
        CPython.SetAttr(module, "_native_call", CallType);
    }

    /// <summary>
    /// A new <c>receive</c> or <c>send</c> bound to scope <paramref name="id"/> (<paramref name="httpScope"/>: an
    /// <c>http</c> scope's); 0 with the error set.
    /// </summary>
    public static nint NewCallable(long id, Kind kind, bool httpScope)
    {
        var callable = CPythonTypes.Alloc(kind == Kind.Send ? SendType : ReceiveType);
        if (callable != 0)
        {
            *(long*)(callable + IdOffset) = id;
            *(int*)(callable + KindOffset) = (int)kind | (httpScope ? HttpScopeFlag : 0);
        }

        return callable;
    }

    private static nint NewCallableType(string name, string doc)
    {
        // __name__ and __qualname__ read on an instance, as on a function.
        var getName = (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint>)&CallableName;
        return CTables.NewType(name, CallableSize, CTables.FlagsDefault | CTables.FlagDisallowInstantiation,
            (CTables.SlotTpCall, (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint, nint>)&CallableCall),
            (CTables.SlotTpGetSet, CTables.Getters(("__name__", getName), ("__qualname__", getName))),
            (CTables.SlotTpDoc, CTables.Utf8(doc)));
    }

    private static nint Fast(delegate* unmanaged[Cdecl]<nint, nint*, nint, nint> function) => (nint)function;

    /// <summary>An instance's <c>__name__</c>: <c>"receive"</c> or <c>"send"</c>.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint CallableName(nint self, nint closure)
    {
        try
        {
            return PyStrings.New(KindOf(self) == Kind.Send ? "send" : "receive");
        }
        catch (Exception ex)
        {
            return NativeEntryPoints.Fail(ex);
        }
    }

    /// <summary><c>receive()</c> or <c>send(message)</c>: a new <c>_native_call</c>; nothing reaches the channel yet.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint CallableCall(nint self, nint args, nint kwargs)
    {
        try
        {
            var kind = KindOf(self);
            var count = CPythonTypes.TupleSize(args);
            var expected = kind == Kind.Send ? 1 : 0;
            if (count != expected || (kwargs != 0 && CPythonTypes.DictSize(kwargs) != 0))
            {
                CPython.SetError(PythonLoop.Current!.Refs.TypeError, kind == Kind.Send
                    ? $"send() takes exactly one positional argument ({count} given)"
                    : $"receive() takes no arguments ({count} given)");
                return 0;
            }

            var call = CPythonTypes.Alloc(CallType);
            if (call == 0)
            {
                return 0;
            }

            *(long*)(call + IdOffset) = *(long*)(self + IdOffset);
            *(int*)(call + KindOffset) = *(int*)(self + KindOffset);
            if (kind == Kind.Send)
            {
                var message = CPythonTypes.TupleItem(args, 0);
                CPython.IncRef(message);
                *(nint*)(call + MessageOffset) = message;
            }

            return call;
        }
        catch (Exception ex)
        {
            return NativeEntryPoints.Fail(ex);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void CallDealloc(nint self)
    {
        Release(self);
        var type = PyObjects.TypeOf(self);
        CPythonTypes.Free(self);
        CPython.DecRef(type); // an instance of a heap type holds a reference to it (PyType_GenericAlloc)
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CallAmSend(nint self, nint arg, nint* result) => Step(self, arg, result);

    /// <summary><c>next(call)</c>: a step with <c>None</c>; a finished step with <c>None</c> is the end of iteration.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint CallIterNext(nint self) => Resume(self, CPython.None);

    /// <summary><c>call.send(value)</c>, as a coroutine's.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint CallSendMethod(nint self, nint* args, nint count)
    {
        if (count != 1)
        {
            CPython.SetError(PythonLoop.Current!.Refs.TypeError, $"send() takes exactly one argument ({count} given)");
            return 0;
        }

        return Resume(self, args[0]);
    }

    /// <summary>A step outside <c>am_send</c>: the value it yields, or 0 with <c>StopIteration(result)</c> or the error raised.</summary>
    private static nint Resume(nint self, nint value)
    {
        nint result;
        switch (Step(self, value, &result))
        {
            case PyGenNext:
                return result;
            case PyGenReturn:
                return StopIteration(result);
            default:
                return 0;
        }
    }

    /// <summary>
    /// <c>call.throw(...)</c>: the call is over, and the exception raised where it was awaited, as a coroutine
    /// suspended in a future's await does (a task cancelled while its <c>send</c> waits; the future itself is
    /// cancelled by the task).
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint CallThrowMethod(nint self, nint* args, nint count)
    {
        try
        {
            Release(self);
            *(int*)(self + StateOffset) = Finished;
            var refs = PythonLoop.Current!.Refs;
            var tuple = CPython.NewTuple((int)count);
            for (var i = 0; i < count; i++)
            {
                CPython.IncRef(args[i]);
                CPython.TupleSetStolen(tuple, i, args[i]);
            }

            var result = CPython.Call(refs.Throw, tuple);
            CPython.DecRef(tuple);
            return result;
        }
        catch (Exception ex)
        {
            return NativeEntryPoints.Fail(ex);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint CallCloseMethod(nint self, nint* args, nint count)
    {
        Release(self);
        *(int*)(self + StateOffset) = Finished;
        return CPython.NewNone();
    }

    /// <summary>One step of an awaited call, as <c>am_send</c>: <c>PYGEN_NEXT</c> (yielding the future), <c>PYGEN_RETURN</c> or <c>PYGEN_ERROR</c>.</summary>
    private static int Step(nint self, nint arg, nint* result)
    {
        *result = 0;
        try
        {
            var state = (int*)(self + StateOffset);
            if (*state == Fresh)
            {
                *state = Finished;
                var outcome = Begin(self);
                if (outcome == 0)
                {
                    return PyGenError;
                }

                // A send accepted at once (its result is None), or the received event: no suspension.
                if (outcome == PythonLoop.Current!.Refs.Sent)
                {
                    CPython.DecRef(outcome);
                    *result = CPython.NewNone();
                    return PyGenReturn;
                }

                if (PyObjects.TypeOf(outcome) == CPythonTypes.DictType)
                {
                    *result = outcome;
                    return PyGenReturn;
                }

                // The channel's future: the call waits on it as `await future` would.
                var waiter = CPython.GetIter(outcome);
                CPython.DecRef(outcome);
                if (waiter == 0)
                {
                    return PyGenError;
                }

                *(nint*)(self + WaiterOffset) = waiter;
                *state = Waiting;
            }
            else if (*state == Finished)
            {
                CPython.SetError(PythonLoop.Current!.Refs.RuntimeError, "cannot reuse already awaited coroutine");
                return PyGenError;
            }

            var status = CPythonTypes.IterSend(*(nint*)(self + WaiterOffset), arg, result);
            if (status != PyGenNext)
            {
                Release(self);
                *state = Finished;
            }

            return status;
        }
        catch (Exception ex)
        {
            NativeEntryPoints.Fail(ex);
            return PyGenError;
        }
    }

    /// <summary>The channel call itself: the event dict, <c>_SENT</c>, a future, or 0 with the error set.</summary>
    private static nint Begin(nint self)
    {
        var loop = PythonLoop.Current!;
        var message = *(nint*)(self + MessageOffset);
        *(nint*)(self + MessageOffset) = 0;
        var channel = loop.Find(*(long*)(self + IdOffset));
        nint outcome;
        if (channel is not null)
        {
            outcome = KindOf(self) == Kind.Send ? channel.Send(message) : channel.Receive();
        }
        else if (KindOf(self) == Kind.Receive && (*(int*)(self + KindOffset) & HttpScopeFlag) != 0)
        {
            // As uvicorn's receive() once the response is complete.
            outcome = EventsToPython.HttpDisconnect();
        }
        else
        {
            CPython.SetError(loop.Refs.RuntimeError, "receive() or send() called after the ASGI app returned for this scope.");
            outcome = 0;
        }

        CPython.DecRef(message);
        return outcome;
    }

    private static Kind KindOf(nint self) => (Kind)(*(int*)(self + KindOffset) & KindMask);

    /// <summary>Drops what a call holds: its message (not yet sent) and the future's iterator.</summary>
    private static void Release(nint self)
    {
        var message = *(nint*)(self + MessageOffset);
        var waiter = *(nint*)(self + WaiterOffset);
        *(nint*)(self + MessageOffset) = 0;
        *(nint*)(self + WaiterOffset) = 0;
        CPython.DecRef(message);
        CPython.DecRef(waiter);
    }

    /// <summary>A finished step outside <c>am_send</c>: <c>StopIteration(value)</c> (steals <paramref name="value"/>); returns 0.</summary>
    private static nint StopIteration(nint value)
    {
        CPythonTypes.SetStopIteration(value);
        CPython.DecRef(value);
        return 0;
    }
}
