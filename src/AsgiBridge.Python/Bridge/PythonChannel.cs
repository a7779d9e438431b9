using System.Threading.Tasks.Sources;
using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// One scope (request, WebSocket session or lifespan) between the server and the Python app: the app call's task on
/// the .NET side, the <c>receive</c>/<c>send</c> futures on the Python side.
/// <para>
/// Threads: the constructor and <see cref="Completion"/> are Kestrel's; everything else runs on the loop thread,
/// except the two completion callbacks, which only store a result and post the channel back to the loop. So a
/// request whose <c>receive</c> and <c>send</c> complete synchronously (a body already read, a response that fits
/// the transport's buffer) crosses threads once, in with <see cref="WorkKind.Start"/>: <see cref="Completion"/>
/// runs the connection's continuation on the loop thread (the lifespan scope's goes to the thread pool).
/// </para>
/// </summary>
internal sealed class PythonChannel : IValueTaskSource
{
    private readonly PythonLoop _loop;
    private readonly AsgiScope _scope;
    private readonly AsgiReceive _receive;
    private readonly AsgiSend _send;
    private ManualResetValueTaskSourceCore<bool> _completion;
    private long _id;
    private bool _finished;
    private nint _task;

    // receive: at most one server receive in flight. The app may stop waiting (a cancelled await, as Starlette's
    // is_disconnected does) and ask again; the next call then waits on the same one, and a result nobody waits for
    // is kept for the next call, so no event is lost (uvicorn's receive queue behaves the same).
    private ValueTask<IDictionary<string, object?>> _receiveTask;
    private bool _receiveInFlight;
    private nint _receiveWaiter;
    private IDictionary<string, object?>? _received;
    private Exception? _receiveError;
    private bool _hasReceived;
    private Action? _onReceiveCompleted;
    private List<nint>? _otherReceiveWaiters;

    private ValueTask _sendTask;
    private bool _sendInFlight;
    private nint _sendWaiter;
    private Exception? _sendError;
    private Action? _onSendCompleted;

    public PythonChannel(PythonLoop loop, AsgiScope scope, AsgiReceive receive, AsgiSend send)
    {
        _loop = loop;
        _scope = scope;
        _receive = receive;
        _send = send;

        // A request's completion resumes its connection right here on the loop thread (docs/python.md, "How it
        // runs"): the connection's code after the app call only finishes the response, flushes it and starts the
        // next read, none of which blocks, and it saves a thread-pool hop per request. The lifespan scope's
        // completion resumes the host's startup or shutdown, which may block: that one goes to the thread pool.
        _completion.RunContinuationsAsynchronously = scope.Type == "lifespan";
    }

    /// <summary>Completes when the app's coroutine is done; faults as the app did.</summary>
    public ValueTask Completion => new(this, _completion.Version);

    /// <summary>
    /// Builds the scope dict and starts the app's task, <c>create_task(_run(h, scope, receive, send), name=...)</c>, made
    /// here with the C API so no Python code of the bridge runs for it (<see cref="PythonRefs.NewTask"/>). The channel holds the task (the loop keeps only
    /// weak references to tasks) until the app is done. Loop thread.
    /// </summary>
    public void StartOnLoop(long id)
    {
        _id = id;
        var refs = _loop.Refs;
        nint scope;
        try
        {
            scope = ScopeToPython.Convert(_scope, refs.LifespanState);
        }
        catch (Exception ex)
        {
            Finish(0, null, ex);
            return;
        }

        var h = CPython.NewInt(id);
        var receive = ChannelCallables.NewCallable(id, ChannelCallables.Kind.Receive, _scope.Type == "http");
        var send = ChannelCallables.NewCallable(id, ChannelCallables.Kind.Send, _scope.Type == "http");
        if (h == 0 || receive == 0 || send == 0)
        {
            CPython.DecRef(receive);
            CPython.DecRef(send);
            CPython.DecRef(h);
            CPython.DecRef(scope);
            Fail();
            return;
        }

        var coroutine = CPython.Vectorcall(refs.Run, [h, scope, receive, send], 4);
        CPython.DecRef(h);
        CPython.DecRef(scope);
        CPython.DecRef(receive);
        CPython.DecRef(send);
        var name = coroutine == 0 ? 0 : TaskName(_scope.Type, id);
        var task = name == 0 ? 0 : refs.NewTask(coroutine, name);
        CPython.DecRef(name);
        CPython.DecRef(coroutine);
        if (task == 0)
        {
            Fail();
            return;
        }

        if (_finished)
        {
            CPython.DecRef(task);
        }
        else
        {
            _task = task;
        }

        void Fail()
        {
            CPython.PrintError();
            Finish(0, null, new InvalidOperationException("AsgiBridge could not start the app's task (the error is printed above)."));
        }
    }

    /// <summary>
    /// The task's name, <c>asgi-http-17</c>: the scope's type and the channel's number, which the server's log
    /// records do not show but a debugger, <c>asyncio.all_tasks()</c> and asyncio's own warnings do.
    /// </summary>
    private static nint TaskName(string type, long id)
    {
        Span<byte> name = stackalloc byte[48];
        "asgi-"u8.CopyTo(name);
        var length = 5 + System.Text.Encoding.ASCII.GetBytes(type, name[5..]);
        name[length++] = (byte)'-';
        System.Buffers.Text.Utf8Formatter.TryFormat(id, name[length..], out var digits);
        return CPython.NewLatin1(name[..(length + digits)]);
    }

    /// <summary><c>await receive()</c> from Python: the event dict, a future for it, or 0 with an exception set. Loop thread.</summary>
    public nint Receive()
    {
        if (_hasReceived)
        {
            _hasReceived = false;
            var (received, error) = (_received, _receiveError);
            (_received, _receiveError) = (null, null);
            return error is null ? EventsToPython.Convert(received!) : Raise(error);
        }

        if (!_receiveInFlight)
        {
            ValueTask<IDictionary<string, object?>> pending;
            try
            {
                pending = _receive();
                if (pending.IsCompleted)
                {
                    return EventsToPython.Convert(pending.GetAwaiter().GetResult());
                }
            }
            catch (Exception ex)
            {
                return Raise(ex);
            }

            _receiveTask = pending;
            _receiveInFlight = true;
            pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReceiveCompleted ??= OnReceiveCompleted);
        }
        else if (_receiveWaiter != 0 && IsPending(_receiveWaiter))
        {
            // Another task awaits receive() too (Starlette's BaseHTTPMiddleware around a StreamingResponse: both
            // listen for the disconnect). They wait together, as on uvicorn's one message event: DeliverReceive.
            var other = _loop.Refs.NewFuture();
            if (other != 0)
            {
                (_otherReceiveWaiters ??= []).Add(other);
                CPython.IncRef(other);
            }

            return other;
        }

        return NewWaiter(ref _receiveWaiter);
    }

    /// <summary>
    /// <c>await send(message)</c> from Python: <c>_SENT</c> (a done future) when accepted, a pending future, or 0 with an
    /// exception set. Loop thread.
    /// </summary>
    public nint Send(nint message)
    {
        if (_sendInFlight)
        {
            CPython.SetError(_loop.Refs.RuntimeError, "send() called while an earlier send() is still in progress (its await was cancelled).");
            return 0;
        }

        IDictionary<string, object?> ev;
        try
        {
            ev = EventsFromPython.Convert(message, _scope.Type);
        }
        catch (Exception ex)
        {
            return Raise(ex);
        }

        ValueTask pending;
        try
        {
            pending = _send(ev);
            if (pending.IsCompleted)
            {
                pending.GetAwaiter().GetResult();
                var sent = _loop.Refs.Sent;
                CPython.IncRef(sent);
                return sent;
            }
        }
        catch (Exception ex)
        {
            return Raise(ex);
        }

        _sendTask = pending;
        _sendInFlight = true;
        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onSendCompleted ??= OnSendCompleted);
        return NewWaiter(ref _sendWaiter);
    }

    /// <summary>The app's coroutine ended (<c>outcome</c>: 0 returned, 1 raised, 2 left with the client). Loop thread.</summary>
    public void Done(int outcome, string? traceback) => Finish(outcome, traceback, null);

    /// <summary>Resolves the receive future with the completed receive, or keeps the result for the next call. Loop thread.</summary>
    public void DeliverReceive()
    {
        _receiveInFlight = false;
        var (received, error) = (_received, _receiveError);
        var waiter = _receiveWaiter;
        _receiveWaiter = 0;
        var delivered = waiter != 0 && Settle(waiter, error, error is null ? EventsToPython.Convert(received!) : 0);
        List<nint>? waiting = null;
        if (_otherReceiveWaiters is { } others)
        {
            // Several tasks waiting: a disconnect (or an error) wakes them all, as uvicorn's receive() returns
            // http.disconnect to every waiter; any other event is the first's, and the rest wait for the next one.
            _otherReceiveWaiters = null;
            var everyone = error is not null || received is HttpDisconnectEvent or WebSocketCloseEvent;
            foreach (var other in others)
            {
                if (everyone || !delivered)
                {
                    delivered |= Settle(other, error, error is null ? EventsToPython.Convert(received!) : 0);
                }
                else if (IsPending(other))
                {
                    (waiting ??= []).Add(other);
                }
                else
                {
                    CPython.DecRef(other);
                }
            }
        }

        if (!delivered)
        {
            _hasReceived = !_finished; // nobody waits any more: the next receive() gets it
            return;
        }

        (_received, _receiveError) = (null, null);
        if (waiting is not null)
        {
            ReceiveFor(waiting);
        }
    }

    /// <summary>Starts the next server receive for tasks still waiting after another one got its event. Loop thread.</summary>
    private void ReceiveFor(List<nint> waiting)
    {
        if (_finished)
        {
            waiting.ForEach(CPython.DecRef);
            return;
        }

        _receiveWaiter = waiting[0];
        _otherReceiveWaiters = waiting.Count > 1 ? waiting[1..] : null;
        try
        {
            var pending = _receive();
            if (!pending.IsCompleted)
            {
                _receiveTask = pending;
                _receiveInFlight = true;
                pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onReceiveCompleted ??= OnReceiveCompleted);
                return;
            }

            _received = pending.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            _receiveError = ex;
        }

        DeliverReceive();
    }

    /// <summary>Resolves the send future. Loop thread.</summary>
    public void DeliverSend()
    {
        _sendInFlight = false;
        var error = _sendError;
        _sendError = null;
        var waiter = _sendWaiter;
        _sendWaiter = 0;
        if (waiter != 0)
        {
            Settle(waiter, error, error is null ? CPython.NewNone() : 0);
        }
    }

    void IValueTaskSource.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    // Kestrel's thread (or the pool's): keep the outcome, let the loop deliver it.
    private void OnReceiveCompleted()
    {
        try
        {
            _received = _receiveTask.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            _receiveError = ex;
        }

        _receiveTask = default;
        _loop.Post(this, WorkKind.ReceiveCompleted);
    }

    private void OnSendCompleted()
    {
        try
        {
            _sendTask.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            _sendError = ex;
        }

        _sendTask = default;
        _loop.Post(this, WorkKind.SendCompleted);
    }

    /// <summary>Sets a future's (stolen) result (<paramref name="value"/>, stolen) or exception; false when it was cancelled meanwhile.</summary>
    private bool Settle(nint future, Exception? error, nint value)
    {
        nint result;
        if (error is null)
        {
            result = PythonRefs.Call(_loop.Refs.Resolve, future, value);
        }
        else
        {
            var type = _loop.Refs.ExceptionTypeFor(error);
            CPython.IncRef(type);
            result = PythonRefs.Call(_loop.Refs.Reject, future, type, CPython.NewString(error.Message));
        }

        if (result == 0)
        {
            CPython.PrintError();
            return true;
        }

        var settled = result == CPython.True;
        CPython.DecRef(result);
        return settled;
    }

    private bool IsPending(nint future)
    {
        CPython.IncRef(future);
        var result = PythonRefs.Call(_loop.Refs.Pending, future);
        if (result == 0)
        {
            CPython.ClearError();
            return false;
        }

        var pending = result == CPython.True;
        CPython.DecRef(result);
        return pending;
    }

    /// <summary>A new future stored in <paramref name="slot"/> (replacing a cancelled one); returns another reference to it.</summary>
    private nint NewWaiter(ref nint slot)
    {
        var future = _loop.Refs.NewFuture();
        if (future == 0)
        {
            return 0;
        }

        CPython.DecRef(slot);
        slot = future;
        CPython.IncRef(future);
        return future;
    }

    private nint Raise(Exception exception)
    {
        CPython.SetError(_loop.Refs.ExceptionTypeFor(exception), exception.Message);
        return 0;
    }

    private void Finish(int outcome, string? traceback, Exception? bridgeError)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        _loop.Forget(_id);

        // A receive or send still in flight on the server's side completes after this (a waiting receive gets the
        // disconnect event once the app has returned), and its future is settled then: a task of the app's still
        // awaiting it wakes, as under uvicorn, rather than waiting for ever. A future with nothing in flight is let go.
        if (!_receiveInFlight)
        {
            CPython.DecRef(_receiveWaiter);
            _receiveWaiter = 0;
            _otherReceiveWaiters?.ForEach(CPython.DecRef);
            _otherReceiveWaiters = null;
        }

        if (!_sendInFlight)
        {
            CPython.DecRef(_sendWaiter);
            _sendWaiter = 0;
        }

        // Called from inside the task (its _run reports the outcome): the loop holds the task while it runs a step.
        CPython.DecRef(_task);
        _task = 0;
        if (bridgeError is not null)
        {
            _completion.SetException(bridgeError);
        }
        else if (outcome == 0)
        {
            _completion.SetResult(true);
        }
        else if (outcome == 2)
        {
            _completion.SetException(new ClientDisconnectedException());
        }
        else
        {
            _completion.SetException(new PythonAppException(traceback ?? "The Python app failed."));
        }
    }
}
