"""Says which process the app runs in: what tells Python:Embed=Process (python3 is the process) from Library."""
import atexit
import json
import os
import sys
import threading


@atexit.register
def _bye():
    # Runs when the interpreter finalizes: python3 does at its exit; a .NET process that loaded libpython does not.
    print("process_app: atexit ran", flush=True)


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = json.dumps({
        "pid": os.getpid(),
        "exe": os.path.realpath("/proc/self/exe"),
        "executable": os.path.realpath(sys.executable),
        "main_thread_is_loop": threading.main_thread() is threading.current_thread(),
        "argv": sys.argv,
        "launcher_on_path": any(os.path.isfile(os.path.join(p or ".", "asgibridge_pyhost.py")) for p in sys.path),
    }).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
