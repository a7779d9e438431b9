"""Starlette 0.26's middleware, mounts, static files, sessions, templates and WebSocket helpers (unchanged Starlette)."""
import os

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, StreamingResponse
from starlette.routing import Mount, Route, Router, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocketDisconnect

HERE = os.path.dirname(os.path.abspath(__file__))
templates = Jinja2Templates(directory=os.path.join(HERE, "templates"))


async def home(request):
    return JSONResponse({
        "url": str(request.url),
        "base_url": str(request.base_url),
        "root_path": request.scope.get("root_path"),
        "path": request.url.path,
        "client": request.client.host if request.client else None,
        "scheme": request.url.scheme,
        "host": request.headers.get("host"),
        "home": str(request.url_for("home")),
        "user": str(request.url_for("user", name="ada")),
        "asset": str(request.url_for("site", path="/style.css")),
        "middleware": request.state.seen if hasattr(request.state, "seen") else None,
    })


async def user(request):
    return PlainTextResponse(f"user {request.path_params['name']} at {request.url_for('user', name=request.path_params['name'])}")


async def page(request):
    return templates.TemplateResponse("page.html", {"request": request, "title": "Items & <more>", "items": ["a", "b <c>"]})


async def session_view(request):
    counter = request.session.get("counter", 0) + 1
    request.session["counter"] = counter
    if request.query_params.get("clear"):
        request.session.clear()
    return JSONResponse({"counter": counter})


async def teapot(request):
    raise HTTPException(status_code=418, detail="short and stout", headers={"x-pot": "tea"})


async def unauthorized(request):
    raise HTTPException(status_code=401, headers={"www-authenticate": "Bearer"})


async def boom(request):
    raise RuntimeError("boom")


async def go(request):
    return RedirectResponse(url=request.url_for("home"))


async def go_away(request):
    return RedirectResponse("https://example.org/elsewhere?x=1", status_code=301)


async def stream_in(request):
    total = 0
    chunks = 0
    async for chunk in request.stream():
        total += len(chunk)
        chunks += 1 if chunk else 0
    return JSONResponse({"bytes": total, "some_chunks": chunks > 0})


async def disconnected(request):
    body = await request.body()
    return JSONResponse({"disconnected": await request.is_disconnected(), "bytes": len(body)})


async def slow_stream(request):
    async def numbers():
        for i in range(3):
            yield f"part {i}\n".encode()

    return StreamingResponse(numbers(), media_type="text/plain", headers={"x-stream": "1"})


async def ws_json(websocket):
    await websocket.accept()
    try:
        while True:
            data = await websocket.receive_json()
            if data.get("close"):
                await websocket.close(code=4001, reason="asked to close")
                return
            await websocket.send_json({"echo": data, "query": websocket.query_params.get("q")})
    except WebSocketDisconnect:
        pass


async def ws_reject(websocket):
    await websocket.close(code=4003)


async def ws_subprotocol(websocket):
    offered = websocket.scope["subprotocols"]
    await websocket.accept(subprotocol="b" if "b" in offered else None)
    message = await websocket.receive_text()
    await websocket.send_text(f"{message} via {offered}")
    await websocket.receive_text()
    await websocket.close()


async def ws_headers(websocket):
    await websocket.accept(headers=[(b"x-ws", b"yes")])
    await websocket.send_text(websocket.url.path + "|" + websocket.url_for("ws_headers").path)
    await websocket.receive_text()
    await websocket.close(code=1000, reason="bye")


async def ws_bytes(websocket):
    await websocket.accept()
    data = await websocket.receive_bytes()
    await websocket.send_bytes(data[::-1])
    await websocket.receive_bytes()
    await websocket.close(code=4002, reason="done with bytes")


async def ws_error(websocket):
    await websocket.accept()
    await websocket.receive_text()
    raise RuntimeError("ws boom")


async def add_header(request, call_next):
    request.state.seen = "base-http"
    if request.url.path == "/mw-short":
        return PlainTextResponse("short-circuited by middleware", status_code=203)
    response = await call_next(request)
    response.headers["x-middleware"] = "1"
    response.headers.append("x-middleware-list", "a")
    return response


async def http_exception(request, exc):
    return JSONResponse({"detail": exc.detail, "status": exc.status_code}, status_code=exc.status_code, headers=exc.headers)


async def server_error(request, exc):
    return PlainTextResponse(f"custom 500: {exc}", status_code=500)


sub = Router(routes=[Route("/", lambda r: PlainTextResponse("sub root " + r.scope["root_path"]), name="sub_root"),
                     Route("/users/{name}", user, name="user")])
secure = HTTPSRedirectMiddleware(Router(routes=[Route("/", lambda r: PlainTextResponse("secure"))]))

app = Starlette(
    routes=[
        Route("/", home, name="home"),
        Route("/page", page),
        Route("/session", session_view),
        Route("/teapot", teapot),
        Route("/unauthorized", unauthorized),
        Route("/boom", boom),
        Route("/go", go),
        Route("/go-away", go_away),
        Route("/stream-in", stream_in, methods=["POST", "PUT"]),
        Route("/disconnected", disconnected, methods=["POST"]),
        Route("/slow-stream", slow_stream),
        Route("/mw-short", home),
        Mount("/sub", app=sub),
        Mount("/secure", app=secure),
        Mount("/site", app=StaticFiles(directory=os.path.join(HERE, "site"), html=True), name="site"),
        Mount("/files", app=StaticFiles(directory=os.path.join(HERE, "site"))),
        WebSocketRoute("/ws/json", ws_json),
        WebSocketRoute("/ws/reject", ws_reject),
        WebSocketRoute("/ws/sub", ws_subprotocol),
        WebSocketRoute("/ws/headers", ws_headers, name="ws_headers"),
        WebSocketRoute("/ws/bytes", ws_bytes),
        WebSocketRoute("/ws/error", ws_error),
    ],
    middleware=[
        Middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "*.example.org", "127.0.0.1"]),
        Middleware(SessionMiddleware, secret_key="asgibridge-tests"),
        Middleware(BaseHTTPMiddleware, dispatch=add_header),
    ],
    exception_handlers={HTTPException: http_exception, 500: server_error},
)
