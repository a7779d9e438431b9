using AsgiBridge.Python.Bridge;
using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Sockets;

/// <summary>
/// One socket descriptor watched by the Python event loop: <c>loop.add_reader(fd, readable)</c> and
/// <c>loop.add_writer(fd, writable)</c>, where <c>readable</c> and <c>writable</c> are C functions bound to this
/// watch's id (<see cref="NativeEntryPoints"/>), so readiness costs the loop one C call, as a socket of its own
/// would. Watches are level-triggered: a reader stays registered while the socket is read, and is removed while
/// the connection's input is paused and before the descriptor closes (a descriptor must leave the loop's poller
/// before its number can be reused). Loop thread only.
/// </summary>
internal sealed class SocketWatch
{
    private static readonly Dictionary<long, SocketWatch> s_watches = [];
    private static long s_lastId;

    private readonly PythonLoop _loop;
    private readonly ISocketEvents _events;
    private readonly long _id;
    private nint _fd;
    private nint _readable;
    private nint _writable;
    private bool _reading;
    private bool _writing;

    public SocketWatch(PythonLoop loop, nint fd, ISocketEvents events)
    {
        _loop = loop;
        _events = events;
        _fd = fd;
        _id = ++s_lastId;
        s_watches[_id] = this;
    }

    /// <summary>Watches for readability, or stops.</summary>
    public void Read(bool on)
    {
        if (on != _reading && _fd != 0)
        {
            _reading = on;
            Change(on ? _loop.Refs.AddReader : _loop.Refs.RemoveReader, on ? Callback(ref _readable, readable: true) : 0);
        }
    }

    /// <summary>Watches for writability, or stops.</summary>
    public void Write(bool on)
    {
        if (on != _writing && _fd != 0)
        {
            _writing = on;
            Change(on ? _loop.Refs.AddWriter : _loop.Refs.RemoveWriter, on ? Callback(ref _writable, readable: false) : 0);
        }
    }

    /// <summary>Leaves the loop's poller for good; the descriptor may be closed after this.</summary>
    public void Close()
    {
        Read(false);
        Write(false);
        _fd = 0;
        s_watches.Remove(_id);
        CPython.DecRef(_readable);
        CPython.DecRef(_writable);
        _readable = _writable = 0;
    }

    /// <summary>A watch's callback fired (<see cref="NativeEntryPoints"/>); a watch already closed is ignored.</summary>
    public static void Fire(long id, bool readable)
    {
        if (s_watches.TryGetValue(id, out var watch))
        {
            if (readable)
            {
                watch._events.OnReadable();
            }
            else
            {
                watch._events.OnWritable();
            }
        }
    }

    private nint Callback(ref nint slot, bool readable)
    {
        if (slot == 0)
        {
            var id = CPython.NewInt(_id);
            slot = readable ? NativeEntryPoints.NewReadable(id) : NativeEntryPoints.NewWritable(id);
            CPython.DecRef(id);
        }

        return slot;
    }

    /// <summary><c>method(fd)</c> or <c>method(fd, callback)</c>; a failure is a bridge bug, printed with its traceback.</summary>
    private void Change(nint method, nint callback)
    {
        var fd = CPython.NewInt(_fd);
        if (callback == 0)
        {
            PythonRefs.CallNoResult(method, fd);
        }
        else
        {
            CPython.IncRef(callback);
            PythonRefs.CallNoResult(method, fd, callback);
        }
    }
}
