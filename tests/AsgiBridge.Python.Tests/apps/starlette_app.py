"""A Starlette app using the features the differential tests compare (unchanged Starlette, as Debian ships it)."""
import contextlib
import os

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute

HERE = os.path.dirname(os.path.abspath(__file__))
background_log = []


async def homepage(request):
    return JSONResponse({"hello": "world", "query": dict(request.query_params)})


async def item(request):
    return JSONResponse({"id": request.path_params["item_id"], "kind": type(request.path_params["item_id"]).__name__})


async def stream(request):
    async def numbers():
        for i in range(10):
            yield f"{i}\n"

    return StreamingResponse(numbers(), media_type="text/plain")


async def file(request):
    return FileResponse(os.path.join(HERE, "static", "hello.txt"), headers={"x-file": "yes"})


async def form(request):
    data = await request.form()
    fields = {}
    for key, value in data.multi_items():
        if hasattr(value, "filename"):
            content = await value.read()
            fields[key] = {"filename": value.filename, "size": len(content), "type": value.content_type}
        else:
            fields[key] = value
    return JSONResponse(fields)


async def background(request):
    name = request.query_params.get("name", "task")
    return PlainTextResponse("queued", background=BackgroundTask(background_log.append, name))


async def background_status(request):
    return JSONResponse(background_log)


async def big(request):
    return PlainTextResponse("compress me " * 500)


async def lifespan_value(request):
    return JSONResponse({"started": request.app.state.started})


async def echo_body(request):
    body = await request.body()
    return PlainTextResponse(f"{len(body)} bytes", status_code=201)


async def ws_echo(websocket):
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == "bye":
            await websocket.close(code=4001)
            return
        await websocket.send_json({"got": message.get("text")})


@contextlib.asynccontextmanager
async def lifespan(app):
    app.state.started = True
    yield


app = Starlette(
    routes=[
        Route("/", homepage),
        Route("/items/{item_id:int}", item),
        Route("/stream", stream),
        Route("/file", file),
        Route("/form", form, methods=["POST"]),
        Route("/background", background),
        Route("/background/status", background_status),
        Route("/big", big),
        Route("/lifespan", lifespan_value),
        Route("/echo", echo_body, methods=["POST", "PUT"]),
        WebSocketRoute("/ws", ws_echo),
    ],
    middleware=[
        Middleware(CORSMiddleware, allow_origins=["https://example.org"], allow_methods=["GET", "POST"], allow_headers=["x-token"]),
        Middleware(GZipMiddleware, minimum_size=500),
    ],
    lifespan=lifespan,
)
