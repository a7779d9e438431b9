"""Quart 0.18's sessions, files, templates, url_for, streaming and HEAD (unchanged Quart, as Debian ships it)."""
import os

from quart import Quart, Response, jsonify, render_template_string, request, send_file, session, stream_with_context, url_for

HERE = os.path.dirname(os.path.abspath(__file__))
app = Quart(__name__)
app.secret_key = "asgibridge-tests"


@app.route("/")
async def index():
    return await render_template_string("<p>{{ name }} &amp; {{ items|join(', ') }}</p>", name="Quart <3", items=["a", "b"])


@app.route("/urls")
async def urls():
    return {
        "index": url_for("index"),
        "external": url_for("index", _external=True),
        "file": url_for("file_route", name="x y"),
        "url": request.url,
        "base_url": request.base_url,
        "root_path": request.root_path,
        "scheme": request.scheme,
        "remote": request.remote_addr,
        "args": {k: request.args.getlist(k) for k in request.args},
    }


@app.route("/session")
async def session_route():
    session["n"] = session.get("n", 0) + 1
    return {"n": session["n"]}


@app.route("/file/<name>")
async def file_route(name):
    return await send_file(os.path.join(HERE, "site", "style.css"))


@app.route("/download")
async def download():
    return await send_file(os.path.join(HERE, "site", "data.json"), as_attachment=True, attachment_filename="report.json")


@app.route("/stream")
async def stream():
    @stream_with_context
    async def gen():
        for i in range(3):
            yield f"{request.path} {i}\n".encode()

    return gen(), 200, {"content-type": "text/plain", "x-stream": "1"}


@app.route("/big/<int:size>")
async def big(size):
    return Response(b"q" * size, mimetype="application/octet-stream")


@app.route("/upload", methods=["POST", "PUT"])
async def upload():
    data = await request.get_data()
    files = await request.files
    form = await request.form
    return jsonify(bytes=len(data), files={k: len(v.read()) for k, v in files.items()}, form={k: form.getlist(k) for k in form})


@app.route("/empty", methods=["DELETE"])
async def empty():
    return "", 204


@app.route("/status/<int:code>")
async def status(code):
    return Response("status", status=code)


@app.route("/json-list")
async def json_list():
    return jsonify([1, "two", {"three": 3}])
