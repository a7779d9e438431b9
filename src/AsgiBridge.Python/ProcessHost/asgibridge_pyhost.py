"""Runs a .NET app inside this Python process, so that the app's Python code runs on this interpreter.

    python3 asgibridge_pyhost.py [--dotnet-root DIR] APP.dll [ARG ...]

AsgiBridge starts itself this way (docs/python.md, "Embedding"): a distribution's python3 is usually a
position-dependent executable with the interpreter linked in statically, measurably faster than the shared
libpython a .NET process can load, and it cannot itself be loaded as a library. So python3 is the process and
.NET the guest: this script loads the .NET host library (hostfxr) with ctypes, starts the runtime for APP.dll
(its runtimeconfig.json and deps.json, as `dotnet APP.dll` would) and calls the [UnmanagedCallersOnly] entry
point AsgiBridge.Python.ProcessHost.HostedEntry.Run, which runs the app's Main with ARGs and returns its exit
code. This script exits with that code.

Only the standard library is used. The call into .NET goes through a ctypes CFUNCTYPE pointer: ctypes releases
the GIL for the duration of the call, so the .NET side's own thread can take it and run the app's Python code
while this (Python's main) thread waits. When Main returns, the .NET side has released the GIL again; Python
then finalizes as after any script (atexit handlers, non-daemon threads joined).
"""

import ctypes
import os
import shutil
import signal
import sys
# Imported here, on Python's main thread: the module takes the thread that first imports it for the main thread.
# Imported first by the app's loop thread, it would name that thread main: uvloop would then set up signal handling
# there (and fail: only the real main thread may), and exit would wait for the wrong thread.
import threading  # noqa: F401

# The entry point, in AsgiBridge.Python.dll (a dependency of the app, so in its deps.json).
ENTRY_TYPE = "AsgiBridge.Python.ProcessHost.HostedEntry, AsgiBridge.Python"
ENTRY_METHOD = "Run"

# hostfxr's delegate kinds (hostfxr.h): get_function_pointer finds a method in the app's own load context.
HDT_GET_FUNCTION_POINTER = 6
# get_function_pointer's delegate_type_name for an [UnmanagedCallersOnly] method: (const char_t*)-1.
UNMANAGED_CALLERS_ONLY = ctypes.c_char_p(ctypes.c_void_p(-1).value)

# Set by the .NET process that became this one: why this interpreter was chosen (handed to .NET, and taken out of
# the environment so that the app's own child processes do not inherit it).
MARKER = "ASGIBRIDGE_PYTHON_HOST"

# Exit code when the runtime cannot be started at all (the host's "start-up failed").
EXIT_STARTUP_FAILED = 3


class InitializeParameters(ctypes.Structure):
    """hostfxr_initialize_parameters (hostfxr.h): where the .NET installation is."""

    _fields_ = [
        ("size", ctypes.c_size_t),
        ("host_path", ctypes.c_char_p),
        ("dotnet_root", ctypes.c_char_p),
    ]


def fail(message):
    sys.stderr.write("Host failed to start: %s\n" % message)
    sys.stderr.flush()
    return EXIT_STARTUP_FAILED


def dotnet_roots(given):
    """Candidate .NET installations, in the order `dotnet` itself would be found."""
    if given:
        yield given
    for variable in ("DOTNET_ROOT", "DOTNET_ROOT_X64"):
        if os.environ.get(variable):
            yield os.environ[variable]
    on_path = shutil.which("dotnet")
    if on_path:
        # /usr/bin/dotnet is usually a symbolic link into the installation.
        yield os.path.dirname(os.path.realpath(on_path))
    yield "/usr/share/dotnet"
    yield "/usr/lib/dotnet"
    yield os.path.expanduser("~/.dotnet")


def version_key(name):
    """10.0.12 sorts after 9.0.3; a pre-release suffix sorts by its numeric part only."""
    parts = []
    for piece in name.split("-")[0].split("."):
        parts.append(int(piece) if piece.isdigit() else -1)
    return parts


def find_hostfxr(given):
    """(dotnet root, libhostfxr.so path) of the first installation that has one: the newest hostfxr there."""
    for root in dotnet_roots(given):
        fxr = os.path.join(root, "host", "fxr")
        try:
            versions = sorted(os.listdir(fxr), key=version_key, reverse=True)
        except OSError:
            continue
        for version in versions:
            for name in ("libhostfxr.so", "libhostfxr.dylib"):
                path = os.path.join(fxr, version, name)
                if os.path.isfile(path):
                    return root, path
    return None, None


def run(argv):
    given_root = None
    if len(argv) >= 2 and argv[0] == "--dotnet-root":
        given_root, argv = argv[1], argv[2:]
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    app = os.path.abspath(argv[0])
    args = argv[1:]

    root, hostfxr_path = find_hostfxr(given_root)
    if hostfxr_path is None:
        return fail("no .NET installation found (no host/fxr/*/libhostfxr.so under DOTNET_ROOT, the dotnet on PATH, /usr/share/dotnet)")

    hostfxr = ctypes.CDLL(hostfxr_path)
    initialize = hostfxr.hostfxr_initialize_for_dotnet_command_line
    initialize.restype = ctypes.c_int32
    initialize.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(InitializeParameters), ctypes.POINTER(ctypes.c_void_p)]
    get_delegate = hostfxr.hostfxr_get_runtime_delegate
    get_delegate.restype = ctypes.c_int32
    get_delegate.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p)]

    # Initialized as `dotnet APP.dll ARGS` would be: the app's runtimeconfig.json picks the frameworks and its
    # deps.json lists its assemblies, which load into the default load context as in a normal run.
    command_line = [os.fsencode(app)] + [os.fsencode(a) for a in args]
    c_argv = (ctypes.c_char_p * len(command_line))(*command_line)
    parameters = InitializeParameters(ctypes.sizeof(InitializeParameters), None, os.fsencode(root))
    handle = ctypes.c_void_p()
    status = initialize(len(command_line), c_argv, ctypes.byref(parameters), ctypes.byref(handle))
    if status < 0 or not handle.value:
        return fail("the .NET runtime could not be initialized for %s (hostfxr error 0x%08x)" % (app, status & 0xFFFFFFFF))

    get_function_pointer_address = ctypes.c_void_p()
    status = get_delegate(handle, HDT_GET_FUNCTION_POINTER, ctypes.byref(get_function_pointer_address))
    if status < 0 or not get_function_pointer_address.value:
        return fail("the .NET runtime did not start (hostfxr error 0x%08x)" % (status & 0xFFFFFFFF))

    # int get_function_pointer(type_name, method_name, delegate_type_name, load_context, reserved, void** delegate)
    get_function_pointer = ctypes.CFUNCTYPE(
        ctypes.c_int32, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_void_p))(get_function_pointer_address.value)
    entry_address = ctypes.c_void_p()
    status = get_function_pointer(ENTRY_TYPE.encode(), ENTRY_METHOD.encode(), UNMANAGED_CALLERS_ONLY, None, None, ctypes.byref(entry_address))
    if status < 0 or not entry_address.value:
        return fail("%s::%s not found in %s's dependencies (error 0x%08x)" % (ENTRY_TYPE, ENTRY_METHOD, app, status & 0xFFFFFFFF))

    # The embedded interpreter's view of itself, which the app sees when .NET loads libpython instead: no script
    # directory first on sys.path, an empty argv.
    script_dir = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == script_dir:
        del sys.path[0]
    sys.argv[:] = [""]
    # SIGINT as in a plain .NET process: the .NET side handles it (a graceful shutdown); Python's handler would
    # only raise KeyboardInterrupt in this thread once .NET has returned.
    signal.signal(signal.SIGINT, signal.SIG_DFL)

    # .NET read its environment when it started: the marker can go now.
    note = os.environ.pop(MARKER, "")

    # int Run(int argc, char** argv, char* note): argv[0] is the app's path, then its arguments. A CFUNCTYPE call
    # releases the GIL until it returns.
    entry = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.c_char_p)(entry_address.value)
    entry_argv = (ctypes.c_char_p * (len(command_line) + 1))(*command_line, None)
    return entry(len(command_line), entry_argv, note.encode())


if __name__ == "__main__":
    # A multiprocessing "spawn" child imports this file as __mp_main__: then nothing runs.
    sys.exit(run(sys.argv[1:]))
