"""How fast this process runs plain Python code: times a pure-Python loop at import and prints the best of 7 runs.

    python3 bench/python/loop_speed.py                        # the interpreter by itself
    dotnet src/Host/bin/Release/net10.0/Host.dll --python loop_speed:app --app-dir bench/python \
        --python-exe /usr/bin/python3 --python-embed process  # python3 hosting the host (or: library)

The number depends on the interpreter's build (a static, position-dependent python3 against a shared libpython),
not on the server: the app itself only answers 204.
"""
import time


def _loop():
    total = 0
    for i in range(3_000_000):
        total += i * 2 % 7
    return total


def _best_ms(runs=7):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        _loop()
        elapsed = (time.perf_counter() - start) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return best


print("loop_speed: %.1f ms" % _best_ms(), flush=True)


async def app(scope, receive, send):
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
