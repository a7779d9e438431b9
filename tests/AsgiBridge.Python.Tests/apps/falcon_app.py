"""A Falcon ASGI app (falcon.asgi.App) using the features the differential tests compare (unchanged Falcon, as Debian ships it)."""
import falcon
import falcon.asgi

started = []


class StartupMiddleware:
    async def process_startup(self, scope, event):
        started.append("yes")

    async def process_request(self, req, resp):
        if req.path == "/guarded" and req.get_header("x-token") != "secret":
            raise falcon.HTTPUnauthorized(title="No token", description="x-token is required")

    async def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("x-succeeded", str(req_succeeded).lower())


class TooBig(falcon.HTTPError):
    def __init__(self, size):
        super().__init__(falcon.HTTP_413, title="Too big", description=f"{size} bytes")


class Teapot(falcon.HTTPError):
    def __init__(self):
        super().__init__("418 I'm a teapot", title="Teapot")


class Locked(falcon.HTTPError):
    def __init__(self):
        super().__init__(falcon.HTTP_423, title="Locked")


class Index:
    async def on_get(self, req, resp):
        resp.media = {"hello": "falcon", "params": req.params}


class Item:
    async def on_get(self, req, resp, item_id):
        limit = req.get_param_as_int("limit", min_value=1, max_value=100, default=10)
        tags = req.get_param_as_list("tag") or []
        resp.media = {"id": item_id, "limit": limit, "tags": tags, "path": req.path, "relative": req.relative_uri}

    async def on_delete(self, req, resp, item_id):
        resp.status = falcon.HTTP_204

    async def on_put(self, req, resp, item_id):
        raise Locked()


class Items:
    async def on_post(self, req, resp):
        data = await req.get_media()
        if not isinstance(data, dict) or "name" not in data:
            raise falcon.HTTPBadRequest(title="Invalid item", description="a JSON object with a name is required")
        resp.status = falcon.HTTP_201
        resp.location = "/items/1"
        resp.media = {"created": data}


class Body:
    async def on_post(self, req, resp):
        data = await req.stream.read()
        if len(data) > 4_000_000:
            raise TooBig(len(data))
        resp.media = {"bytes": len(data), "length": req.content_length, "type": req.content_type}

    async def on_put(self, req, resp):
        # Reads the body piece by piece, as the server cut it (only the total is compared).
        total = 0
        async for chunk in req.stream:
            total += len(chunk)
        resp.text = f"{total} bytes"


class Stream:
    async def on_get(self, req, resp):
        async def numbers():
            for i in range(5):
                yield f"{i}\n".encode()

        resp.content_type = falcon.MEDIA_TEXT
        resp.stream = numbers()


class Events:
    async def on_get(self, req, resp):
        async def events():
            for i in range(3):
                yield falcon.asgi.SSEvent(data=f"event {i}".encode(), event_id=str(i))

        resp.sse = events()


class Cookies:
    async def on_get(self, req, resp):
        resp.set_cookie("session", "abc", max_age=60, path="/", secure=False, http_only=True)
        resp.set_cookie("theme", "dark", secure=False)
        resp.media = {"cookies": req.cookies, "all": req.get_cookie_values("a")}


class Headers:
    async def on_get(self, req, resp):
        resp.append_header("x-multi", "a")
        resp.append_header("x-multi", "b")
        resp.set_header("cache-control", "no-store")
        resp.media = {
            "accept": req.accept,
            "x-multi": req.get_header("x-multi"),
            "host": req.host,
            "scheme": req.scheme,
            "uri": req.uri,
            "remote": req.remote_addr,
            "root": req.root_path,
            "forwarded": req.forwarded_host,
        }


class Errors:
    async def on_get(self, req, resp, kind):
        if kind == "teapot":
            raise Teapot()
        if kind == "not-found":
            raise falcon.HTTPNotFound(description="nothing here")
        if kind == "forbidden":
            raise falcon.HTTPForbidden(title="No", description="not for you")
        if kind == "conflict":
            raise falcon.HTTPConflict()
        if kind == "unavailable":
            raise falcon.HTTPServiceUnavailable(retry_after=30)
        if kind == "redirect":
            raise falcon.HTTPFound("/items/1")
        if kind == "value":
            raise ValueError("handled by a handler")
        raise RuntimeError("boom")


class Guarded:
    async def on_get(self, req, resp):
        resp.text = "in"


class Started:
    async def on_get(self, req, resp):
        resp.media = {"started": started}


class Form:
    async def on_post(self, req, resp):
        form = await req.get_media()
        parts = {}
        async for part in form:
            data = await part.stream.read()
            parts[part.name] = {"filename": part.filename, "size": len(data), "type": part.content_type}
        resp.media = parts


class Echo:
    async def on_websocket(self, req, ws, room):
        if room == "deny":
            await ws.close(4403)
            return
        if room == "forbidden":
            raise falcon.HTTPForbidden()
        await ws.accept(subprotocol=ws.subprotocols[0] if ws.subprotocols else None)
        while True:
            try:
                message = await ws.receive_text()
            except falcon.WebSocketDisconnected:
                return
            except TypeError:
                await ws.close(1003)
                return
            if message == "close":
                await ws.close(4001)
                return
            if message == "json":
                await ws.send_media({"room": room})
                continue
            await ws.send_text(f"{room}: {message}")


class Binary:
    async def on_websocket(self, req, ws):
        await ws.accept()
        data = await ws.receive_data()
        await ws.send_data(bytes(reversed(data)))
        await ws.close()


async def sink(req, resp, **kwargs):
    resp.content_type = falcon.MEDIA_TEXT
    resp.text = f"sink {req.method} {req.path}"


async def handle_value_error(req, resp, ex, params):
    resp.status = falcon.HTTP_409
    resp.media = {"error": str(ex)}


app = falcon.asgi.App(middleware=[StartupMiddleware()])
app.add_route("/", Index())
app.add_route("/items", Items())
app.add_route("/items/{item_id:int}", Item())
app.add_route("/body", Body())
app.add_route("/stream", Stream())
app.add_route("/events", Events())
app.add_route("/cookies", Cookies())
app.add_route("/headers", Headers())
app.add_route("/errors/{kind}", Errors())
app.add_route("/guarded", Guarded())
app.add_route("/started", Started())
app.add_route("/form", Form())
app.add_route("/ws/{room}", Echo())
app.add_route("/ws-binary", Binary())
app.add_sink(sink, "/sink")
app.add_error_handler(ValueError, handle_value_error)
