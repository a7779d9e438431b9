"""A Flask (WSGI) app served through asgiref's WsgiToAsgi, unchanged Flask and asgiref as Debian ships them."""
from asgiref.wsgi import WsgiToAsgi
from flask import Flask, Response, abort, jsonify, make_response, redirect, request, stream_with_context, url_for

flask_app = Flask(__name__)


@flask_app.route("/")
def index():
    return "Hello from Flask"


@flask_app.route("/query")
def query():
    return jsonify(
        args={k: request.args.getlist(k) for k in request.args},
        path=request.path,
        full_path=request.full_path,
        url=request.url,
        base_url=request.base_url,
        script_root=request.script_root,
        scheme=request.scheme,
        remote_addr=request.remote_addr,
        host=request.host,
        method=request.method,
        protocol=request.environ.get("SERVER_PROTOCOL"),
        link=url_for("query", x=1),
        external=url_for("index", _external=True),
    )


@flask_app.route("/json", methods=["POST", "PUT"])
def json_in():
    data = request.get_json()
    return jsonify(got=data, method=request.method), 201


@flask_app.route("/form", methods=["POST"])
def form():
    return jsonify(
        fields={k: request.form.getlist(k) for k in request.form},
        files={k: {"filename": f.filename, "size": len(f.read()), "type": f.content_type} for k, f in request.files.items()},
    )


@flask_app.route("/body", methods=["POST", "PUT"])
def body():
    data = request.get_data()
    return {"bytes": len(data), "chunked": request.headers.get("transfer-encoding"), "length": request.content_length}


@flask_app.route("/big/<int:size>")
def big(size):
    return Response(b"x" * size, mimetype="application/octet-stream")


@flask_app.route("/stream")
def stream():
    def generate():
        for i in range(5):
            yield f"line {i}\n"

    return Response(stream_with_context(generate()), mimetype="text/plain")


@flask_app.route("/redirect")
def go():
    return redirect(url_for("index"))


@flask_app.route("/redirect-external")
def go_external():
    return redirect("https://example.org/x?y=1", code=301)


@flask_app.route("/cookies")
def cookies():
    response = make_response(jsonify(seen=request.cookies.to_dict()))
    response.set_cookie("a", "1")
    response.set_cookie("b", "two words", max_age=60, httponly=True, samesite="Lax")
    response.set_cookie("c", "", expires=0, path="/x")
    return response


@flask_app.route("/abort/<int:code>")
def do_abort(code):
    abort(code)


@flask_app.route("/boom")
def boom():
    raise RuntimeError("boom")


@flask_app.route("/only-post", methods=["POST"])
def only_post():
    return "posted"


@flask_app.route("/headers")
def headers():
    response = jsonify({k: v for k, v in request.headers.items()})
    response.headers["X-Custom"] = "Value"
    response.headers.add("X-Multi", "1")
    response.headers.add("X-Multi", "2")
    return response


@flask_app.route("/status/<int:code>")
def status(code):
    return Response("status", status=code)


@flask_app.route("/empty")
def empty():
    return "", 204


@flask_app.errorhandler(418)
def teapot(error):
    return jsonify(error="teapot"), 418


app = WsgiToAsgi(flask_app)
