"""A Quart app using the features the differential tests compare (unchanged Quart, as Debian ships it)."""
import json

from quart import Quart, abort, jsonify, make_response, request, websocket

app = Quart(__name__)
started = []
hooks = []


@app.before_serving
async def startup():
    started.append("yes")


@app.before_request
async def before():
    if request.path == "/guarded" and request.headers.get("x-token") != "secret":
        abort(401)
    hooks.append(request.path)


@app.after_request
async def after(response):
    response.headers["x-after"] = "1"
    return response


@app.errorhandler(418)
async def teapot(error):
    return jsonify({"error": "teapot", "path": request.path}), 418


@app.errorhandler(ValueError)
async def value_error(error):
    return jsonify({"error": str(error)}), 409


@app.route("/")
async def index():
    return "Hello from Quart"


@app.route("/items/<int:item_id>")
async def item(item_id):
    return {"id": item_id, "q": request.args.get("q"), "all": request.args.getlist("q")}


@app.route("/files/<path:name>")
async def files(name):
    return {"name": name, "path": request.path, "full": request.full_path}


@app.route("/json", methods=["POST", "PUT"])
async def json_in():
    data = await request.get_json()
    if not isinstance(data, dict):
        abort(400)
    return jsonify({"got": data, "method": request.method}), 201


@app.route("/silent-json", methods=["POST"])
async def silent_json():
    data = await request.get_json(silent=True)
    return {"data": data}


@app.route("/form", methods=["POST"])
async def form():
    fields = await request.form
    files = await request.files
    return {
        "fields": {k: fields.getlist(k) for k in fields},
        "files": {k: {"filename": f.filename, "size": len(f.read()), "type": f.content_type} for k, f in files.items()},
    }


@app.route("/body", methods=["POST"])
async def body():
    data = await request.get_data()
    return {"bytes": len(data), "type": request.content_type, "length": request.content_length}


@app.route("/stream")
async def stream():
    async def numbers():
        for i in range(5):
            yield f"{i}\n".encode()

    return numbers(), 200, {"content-type": "text/plain"}


@app.route("/custom")
async def custom():
    response = await make_response("custom body", 202)
    response.headers["x-custom"] = "yes"
    response.headers.add("x-multi", "a")
    response.headers.add("x-multi", "b")
    response.set_cookie("session", "abc", httponly=True, path="/")
    response.set_cookie("theme", "dark", path="/app")
    return response


@app.route("/cookies")
async def cookies():
    return {"cookies": dict(request.cookies)}


@app.route("/headers")
async def headers():
    return {"x-multi": request.headers.getlist("x-multi"), "remote": request.remote_addr, "host": request.host,
            "scheme": request.scheme, "url": request.url, "root": request.root_path}


@app.route("/missing")
async def missing():
    abort(404)


@app.route("/bad")
async def bad():
    abort(400)


@app.route("/teapot")
async def teapot_route():
    abort(418)


@app.route("/value-error")
async def value_error_route():
    raise ValueError("bad value")


@app.route("/boom")
async def boom():
    raise RuntimeError("boom")


@app.route("/redirect")
async def redirect_route():
    from quart import redirect
    return redirect("/items/1")


@app.route("/guarded")
async def guarded():
    return "in"


@app.route("/started")
async def started_route():
    return {"started": started}


@app.route("/methods", methods=["GET", "POST", "DELETE"])
async def methods():
    return request.method


@app.websocket("/ws")
async def ws():
    await websocket.accept()
    while True:
        data = await websocket.receive()
        if data == "close":
            await websocket.close(4001, "asked to")
            return
        if isinstance(data, bytes):
            await websocket.send(data[::-1])
        else:
            await websocket.send(f"quart: {data}")


@app.websocket("/ws-json")
async def ws_json():
    await websocket.accept(subprotocol=websocket.requested_subprotocols[0] if websocket.requested_subprotocols else None)
    data = await websocket.receive_json()
    await websocket.send_json({"echo": data})


@app.websocket("/ws-deny")
async def ws_deny():
    abort(403)


@app.websocket("/ws-auto")
async def ws_auto():
    data = await websocket.receive()
    await websocket.send(f"auto: {data}")
