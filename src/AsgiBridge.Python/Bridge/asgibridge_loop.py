"""AsgiBridge's Python half of the bridge (docs/python.md).

Runs on the one event-loop thread. The .NET half sets the ``_native_*`` functions (C functions implemented in .NET,
called without an argument tuple) before ``run``; they are called only on this thread, with the GIL held:

- ``_native_drain()``: runs the work Kestrel's threads queued (new scopes, completed receives and sends). A new
  scope's task is made there, in .NET: ``_loop.create_task(_run(h, scope, receive, send), name="asgi-http-17")`` with ``receive`` and
  ``send`` instances of the classes below, bound to ``h``; the .NET half holds the task until ``_native_done``.
  Completed receives and sends call ``_resolve`` / ``_reject`` below.
- ``receive``, ``send`` and ``_native_call`` (C types, ChannelCallables in .NET): calling a scope's ``receive`` or
  ``send`` returns a ``_native_call``, which behaves as the coroutine an ``async def`` returns: awaited (or
  run as a task), its first step asks the server, returns at once when the server already has the event (a received
  event, a send accepted at once), else waits on a future. No Python frame of the bridge runs for it.
- ``_native_done(h, outcome, text)``: the app returned (0), raised (1, with the traceback) or left because the
  client did (2).
- ``_native_counters()``: the bridge's counted costs, for tests and benchmarks (``counters()``).
- ``_native_run_deferred()``: given to ``loop.call_soon`` by the .NET half; sends the responses written during the
  loop's iteration (sockets on the loop).

``h`` is an int naming one scope's channel in .NET.
"""

import asyncio
import collections.abc
import importlib
import inspect
import os
import sys
import traceback


class ClientDisconnected(OSError):
    """Raised by ``send`` once the client is gone (as uvicorn's ``ClientDisconnected``, an ``OSError``)."""


class LoadError(Exception):
    """The app cannot be loaded: the message is one line, as uvicorn prints it."""


_loop = None
_app = None
_SENT = None
lifespan_state = {}
receive = None  # the C types of a scope's receive and send, set by the .NET half
send = None

_native_drain = None
_native_call = None
_native_done = None
_native_counters = None
_native_run_deferred = None


def import_from_string(import_str):
    """uvicorn's ``importer.import_from_string``: ``module:attr``, the attribute possibly dotted."""
    module_str, _, attrs_str = import_str.partition(":")
    if not module_str or not attrs_str:
        raise LoadError(f'Import string "{import_str}" must be in format "<module>:<attribute>".')
    try:
        module = importlib.import_module(module_str)
    except ModuleNotFoundError as exc:
        if exc.name != module_str:
            raise  # an import inside the module failed: the traceback says which
        raise LoadError(f'Could not import module "{module_str}".') from None
    instance = module
    try:
        for attr_str in attrs_str.split("."):
            instance = getattr(instance, attr_str)
    except AttributeError:
        raise LoadError(f'Attribute "{attrs_str}" not found in module "{module_str}".') from None
    return instance


class _ASGI2Middleware:
    """An ASGI 2 double callable as an ASGI 3 app (uvicorn's ``ASGI2Middleware``)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        instance = self.app(scope)
        await instance(receive, send)


def _interface(app):
    """uvicorn's ``--interface auto``: ASGI 3 when the callable is a coroutine function, else ASGI 2."""
    if inspect.isclass(app):
        return "asgi3" if hasattr(app, "__await__") else "asgi2"
    if inspect.isfunction(app):
        return "asgi3" if asyncio.iscoroutinefunction(app) else "asgi2"
    call = getattr(app, "__call__", None)
    return "asgi3" if asyncio.iscoroutinefunction(call) else "asgi2"


def load(import_str, app_dir, factory, interface, loop_name):
    """Imports the app and makes the loop; returns ``(interface, loop name)``. Raises LoadError or the import's own error."""
    global _app, _loop, _SENT
    if app_dir is not None:
        sys.path.insert(0, app_dir)
    app = import_from_string(import_str)
    if factory:
        try:
            app = app()
        except TypeError as exc:
            raise LoadError(f"Error loading ASGI app factory: {exc}") from None
    if interface == "auto":
        interface = _interface(app)
    if interface == "asgi2":
        app = _ASGI2Middleware(app)
    _app = app
    _loop, loop_name = _new_loop(loop_name)
    asyncio.set_event_loop(_loop)
    # What a send() accepted at once returns: awaiting a done future yields its result without suspending the task,
    # and one future serves every send (a done future keeps no callbacks and cannot change any more).
    _SENT = _loop.create_future()
    _SENT.set_result(None)
    _define_receive_and_send()
    return interface, loop_name


async def _receive_signature():
    """Receives the scope's next event (ASGI ``receive``)."""


async def _send_signature(message):
    """Sends an event of the scope (ASGI ``send``)."""


def _make_functionlike(kind, template):
    """Gives ``kind`` (the C type of a scope's ``receive`` or ``send``) what ``inspect.iscoroutinefunction`` and
    ``asyncio.iscoroutinefunction`` look for on a callable that is not a function
    (``inspect._signature_is_functionlike``; the ``__name__`` of an instance is the C type's), taken from an
    ``async def`` with the same signature: a scope's ``receive`` and ``send`` then answer as uvicorn's ``async def``
    methods do (asgiref's ``async_to_sync`` and frameworks check them)."""
    kind.__code__ = template.__code__
    kind.__defaults__ = None
    kind.__kwdefaults__ = None
    kind.__annotations__ = {}
    kind.__doc__ = template.__doc__
    kind._is_coroutine = asyncio.coroutines._is_coroutine


def _define_receive_and_send():
    _make_functionlike(receive, _receive_signature)
    _make_functionlike(send, _send_signature)
    # A call is a coroutine to asyncio (create_task, ensure_future, gather) as an async def's result is.
    collections.abc.Coroutine.register(_native_call)


def _throw(typ, val=None, tb=None):
    """A call's ``throw()``: the exception given is raised where the call was awaited (generator ``throw``'s forms)."""
    if isinstance(typ, BaseException):
        exc = typ
    elif isinstance(val, BaseException):
        exc = val
    else:
        exc = typ() if val is None else typ(val)
    if tb is not None:
        exc = exc.with_traceback(tb)
    raise exc


def _new_loop(name):
    if name in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if name == "uvloop":
                raise LoadError("--loop uvloop: the uvloop package is not installed for this Python.") from None
        else:
            return uvloop.new_event_loop(), "uvloop"
    return asyncio.new_event_loop(), "asyncio"


def run(read_fd):
    """Runs the loop until ``stop``; then ends what is left and closes it."""
    os.set_blocking(read_fd, False)
    _loop.add_reader(read_fd, _on_wake, read_fd)
    try:
        _loop.run_forever()
    finally:
        _loop.remove_reader(read_fd)
        try:
            pending = [t for t in asyncio.all_tasks(_loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                _loop.run_until_complete(asyncio.wait(pending, timeout=5))
            _loop.run_until_complete(_loop.shutdown_asyncgens())
            _loop.run_until_complete(asyncio.wait([_loop.create_task(_loop.shutdown_default_executor())], timeout=5))
        finally:
            _loop.close()


def stop():
    _loop.stop()


def _on_wake(read_fd):
    try:
        os.read(read_fd, 4096)
    except BlockingIOError:
        pass
    _native_drain()


async def _run(h, scope, receive, send):
    try:
        await _app(scope, receive, send)
    except ClientDisconnected:
        _native_done(h, 2, None)
    except BaseException as exc:  # noqa: B036 - every failure is the app's outcome, reported to the server
        _native_done(h, 1, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    else:
        _native_done(h, 0, None)


def _resolve(future, value):
    """Sets the result; False when the future was cancelled meanwhile (the .NET half keeps the value)."""
    if future.done():
        return False
    future.set_result(value)
    return True


def counters():
    """The bridge's counted costs since the interpreter started: a dict of ints (docs/python.md, "Counted costs")."""
    names = ("scopes", "wakeups", "wake_writes", "posts", "pool_work_items", "allocated_bytes", "socket_read_pauses", "socket_write_waits", "send_batches", "gc_collections")
    return dict(zip(names, _native_counters()))


def _pending(future):
    return not future.done()


def _reject(future, kind, message):
    if future.done():
        return False
    future.set_exception(kind(message))
    return True


# The task type a scope's task is made of when the loop has no task factory (the .NET half reads it from here).
_Task = asyncio.Task

# The exception types the .NET half raises in Python (it reads them from this module).
_RuntimeError = RuntimeError
_OSError = OSError
_FileNotFoundError = FileNotFoundError
_PermissionError = PermissionError
_TypeError = TypeError
