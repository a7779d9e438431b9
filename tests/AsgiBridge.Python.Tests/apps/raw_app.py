"""A plain ASGI 3 app with no framework: what the differential tests compare byte for byte."""
import asyncio
import inspect
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
last_disconnect = {}


# What a task of the app's, still awaiting receive() when the app returned, got (/late-receive).
late_receives = []
_late_tasks = set()


class HeaderName(bytes):
    """A bytes subclass an app may use for header names (/odd-shapes)."""


class FactoryTask(asyncio.Task):
    """The tasks a task factory makes (/task-factory)."""


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if "state" in scope:
                    scope["state"]["started"] = "yes"
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":
        await websocket(scope, receive, send)
        return

    path = scope["path"]
    if path == "/boom":
        raise ValueError("boom before the response")
    if path == "/boom-after-start":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise ValueError("boom after the start")
    if path == "/boom-mid-body":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
        await send({"type": "http.response.body", "body": b"12345", "more_body": True})
        raise ValueError("boom in the body")
    if path == "/sleep":
        await asyncio.sleep(float(scope["query_string"] or b"0.5"))
        await text(send, 200, b"slept")
        return
    if path == "/late-echo":
        # Reads the body only after a pause: the server holds what arrives meanwhile (or stops reading it).
        await asyncio.sleep(float(scope["query_string"] or b"0.5"))
        path = "/echo"
    if path == "/echo":
        # How the body is cut into events is each server's own (ASGI spec): only the bytes are compared.
        total = 0
        head = b""
        while True:
            message = await receive()
            body = message.get("body", b"")
            total += len(body)
            head = (head + body[:64])[:64]
            if not message.get("more_body", False):
                break
        await text(send, 200, json.dumps({"bytes": total, "head": head.decode("latin-1")}).encode())
        return
    if path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for i in range(5):
            await send({"type": "http.response.body", "body": b"line %d\n" % i, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    if path == "/download":
        size = int(scope["query_string"] or b"1048576")
        chunk = b"x" * 65536
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(size).encode())]})
        sent = 0
        while sent < size:
            piece = chunk[: min(len(chunk), size - sent)]
            sent += len(piece)
            await send({"type": "http.response.body", "body": piece, "more_body": sent < size})
        return
    if path == "/pathsend":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.pathsend", "path": os.path.join(HERE, "static", "hello.txt")})
        return
    if path == "/last-disconnect":
        await text(send, 200, json.dumps(last_disconnect).encode(), b"application/json")
        return
    if path == "/state":
        await text(send, 200, json.dumps(scope.get("state", {}), sort_keys=True).encode())
        return
    if path == "/extensions":
        await text(send, 200, json.dumps(sorted(scope.get("extensions", {}) or {})).encode())
        return
    if path == "/bad-header":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-bad", b"a\r\nb")]})
        await send({"type": "http.response.body", "body": b"unreachable"})
        return
    if path == "/headers":
        await send({
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"x-one", b"1"), (b"x-dup", b"a"), (b"x-dup", b"b"), (b"content-type", b"application/octet-stream")],
        })
        await send({"type": "http.response.body", "body": bytes(range(256))})
        return
    if path == "/no-response":
        return
    if path == "/cancelled-receive":
        # A receive() cancelled while the server waits (as Starlette's is_disconnected does) loses nothing: the
        # event it was waiting for comes with the next receive().
        await receive()
        waiting = asyncio.ensure_future(receive())
        await asyncio.sleep(0.05)
        waiting.cancel()
        await text(send, 200, b"ok")
        message = await asyncio.wait_for(receive(), 5)
        print(f"after-cancel: {message['type']}", flush=True)
        return
    if path == "/counters":
        # AsgiBridge's counted costs (docs/python.md, "Counted costs"); uvicorn has no such module.
        try:
            import asgibridge_loop
        except ImportError:
            await text(send, 404, b"not served by AsgiBridge")
            return
        await text(send, 200, json.dumps(asgibridge_loop.counters()).encode(), b"application/json")
        return
    if path == "/send-awaitable":
        # What receive and send are to the checks frameworks make, and send(...) handed to asyncio as a coroutine.
        pending = send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        checks = [
            ("asyncio.iscoroutine(send(m))", asyncio.iscoroutine(pending)),
            ("inspect.isawaitable(send(m))", inspect.isawaitable(pending)),
            ("inspect.iscoroutinefunction(send)", inspect.iscoroutinefunction(send)),
            ("asyncio.iscoroutinefunction(send)", asyncio.iscoroutinefunction(send)),
            ("inspect.iscoroutinefunction(receive)", inspect.iscoroutinefunction(receive)),
            ("asyncio.iscoroutinefunction(receive)", asyncio.iscoroutinefunction(receive)),
            ("send signature", str(inspect.signature(send))),
            ("receive()", (await asyncio.create_task(receive()))["type"]),
        ]
        await asyncio.create_task(pending)
        await asyncio.gather(send({"type": "http.response.body", "body": "\n".join(f"{k}: {v}" for k, v in checks).encode()}))
        return
    if path == "/task":
        # The task a request runs in: a real asyncio.Task (anyio and sniffio need one), known to all_tasks().
        task = asyncio.current_task()
        facts = {"type": type(task).__name__, "is_task": isinstance(task, asyncio.Task), "listed": task in asyncio.all_tasks(), "name": task.get_name()}
        await text(send, 200, json.dumps(facts).encode(), b"application/json")
        return
    if path == "/task-factory":
        # Installs (or, with ?off, removes) a task factory: the tasks of later requests come from it.
        loop = asyncio.get_running_loop()
        loop.set_task_factory(None if scope["query_string"] == b"off" else (lambda loop, coro, context=None: FactoryTask(coro, loop=loop, context=context)))
        await text(send, 200, b"ok")
        return
    if path == "/odd-shapes":
        # Events in every shape ASGI allows: headers a tuple, pairs as lists and tuples, a name of a bytes subclass;
        # bodies as bytearray and memoryview.
        await send({"type": "http.response.start", "status": 200, "headers": ([b"content-type", b"text/plain"], (HeaderName(b"x-sub"), b"1"))})
        await send({"type": "http.response.body", "body": bytearray(b"one "), "more_body": True})
        await send({"type": "http.response.body", "body": memoryview(b"two")})
        return
    if path == "/one-piece":
        # A body in one piece without a content-length: both servers stream it (chunked), as uvicorn decides at start.
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"one piece"})
        return
    if path == "/header-case":
        # Header names the app did not lowercase (ASGI says it must): both servers write them lowercased.
        await send({"type": "http.response.start", "status": 200, "headers": [(b"X-Custom", b"Value"), (b"Content-Type", b"text/plain"), (b"Content-Length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    if path == "/late-receive":
        # A task outlives the app while it awaits receive(): the response's end wakes it with http.disconnect, and a
        # receive() it calls afterwards gets http.disconnect too.
        await receive()

        async def watch():
            late_receives.append((await receive())["type"])
            await asyncio.sleep(0.01)
            late_receives.append((await receive())["type"])  # called after the app returned

        task = asyncio.get_running_loop().create_task(watch())
        _late_tasks.add(task)
        task.add_done_callback(_late_tasks.discard)
        await asyncio.sleep(0)
        await text(send, 200, b"started")
        return
    if path == "/late-receive-result":
        for _ in range(100):
            if len(late_receives) >= 2:
                break
            await asyncio.sleep(0.01)
        await text(send, 200, json.dumps(late_receives).encode())
        late_receives.clear()
        return
    if path == "/reuse":
        # A send awaited twice is refused as a coroutine is; one closed before it ran sends nothing.
        call = send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await call
        try:
            await call
            outcome = "awaited twice"
        except RuntimeError as exc:
            outcome = f"RuntimeError: {exc}"
        send({"type": "http.response.body", "body": b"never sent", "more_body": True}).close()
        await send({"type": "http.response.body", "body": outcome.encode()})
        return
    if path == "/concurrent-receive":
        # Two tasks waiting on receive() at once (Starlette's BaseHTTPMiddleware does so around a StreamingResponse):
        # both get http.disconnect once the response is complete, as under uvicorn.
        await receive()
        waiting = [asyncio.ensure_future(receive()), asyncio.ensure_future(receive())]
        await asyncio.sleep(0)  # both tasks run to their await
        await text(send, 200, b"both waiting")
        events = await asyncio.gather(*waiting)
        print("concurrent: " + ", ".join(e["type"] for e in events), flush=True)
        return

    # The scope, as types: what the differential tests compare between servers.
    described = {
        "type": scope["type"],
        "http_version": scope["http_version"],
        "method": scope["method"],
        "scheme": scope["scheme"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "raw_path_type": type(scope["raw_path"]).__name__,
        "query_string": scope["query_string"].decode("latin-1"),
        "query_string_type": type(scope["query_string"]).__name__,
        "root_path": scope["root_path"],
        "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in scope["headers"]],
        "header_types": sorted({type(n).__name__ + "/" + type(v).__name__ for n, v in scope["headers"]}),
        "headers_type": type(scope["headers"]).__name__,
        "client": [type(scope["client"]).__name__, scope["client"][0]],
        "server": [type(scope["server"]).__name__, scope["server"][0], scope["server"][1] > 0],
        "asgi_version": scope["asgi"]["version"],
    }
    await text(send, 200, json.dumps(described, sort_keys=True).encode(), b"application/json")


async def text(send, status, body, content_type=b"text/plain; charset=utf-8"):
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]})
    await send({"type": "http.response.body", "body": body})


async def websocket(scope, receive, send):
    message = await receive()
    assert message["type"] == "websocket.connect"
    if scope["path"] == "/ws-deny":
        await send({"type": "websocket.close", "code": 1000})
        return
    if scope["path"] == "/ws-no-answer":
        return
    if scope["path"] == "/ws-http-deny":
        # The websocket.http.response extension: a full HTTP response instead of the handshake.
        await send({"type": "websocket.http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "websocket.http.response.body", "body": b"no ticket"})
        return
    subprotocol = scope["subprotocols"][0] if scope["subprotocols"] else None
    await send({"type": "websocket.accept", "subprotocol": subprotocol})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            last_disconnect["code"] = message.get("code")
            return
        if message.get("text") is not None:
            if message["text"] == "close":
                await send({"type": "websocket.close", "code": 4000, "reason": "asked to"})
                return
            await send({"type": "websocket.send", "text": "echo: " + message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"][::-1]})


class Asgi2App:
    """An ASGI 2 double callable: detected and wrapped as uvicorn's --interface auto does."""

    def __init__(self, scope):
        self.scope = scope

    async def __call__(self, receive, send):
        if self.scope["type"] != "http":
            return
        await text(send, 200, b"asgi2 " + self.scope["path"].encode())


def create_app():
    """An app factory (--factory)."""
    return app
