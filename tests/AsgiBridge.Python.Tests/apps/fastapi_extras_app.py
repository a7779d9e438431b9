"""FastAPI 0.92's extras: docs pages, response models, forms, cookies and headers, yield dependencies, middleware,
routers, startup events, exception handlers, WebSocket with query and dependency (unchanged FastAPI)."""
from typing import List, Optional

from fastapi import (APIRouter, Cookie, Depends, FastAPI, Form, Header, HTTPException, Query, Request, Response,
                     WebSocket, WebSocketDisconnect, status)
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel

app = FastAPI(title="Extras", version="1.2.3", description="AsgiBridge differential app")
events = []


class UserIn(BaseModel):
    name: str
    password: str
    email: Optional[str] = None


class UserOut(BaseModel):
    name: str
    email: Optional[str] = None


class TeapotError(Exception):
    def __init__(self, name):
        self.name = name


@app.on_event("startup")
async def startup():
    events.append("startup")


@app.exception_handler(TeapotError)
async def teapot_handler(request: Request, exc: TeapotError):
    return JSONResponse(status_code=418, content={"teapot": exc.name}, headers={"x-teapot": "1"})


@app.middleware("http")
async def timing(request: Request, call_next):
    if request.url.path == "/blocked":
        return PlainTextResponse("blocked by middleware", status_code=403)
    response = await call_next(request)
    response.headers["x-process"] = "done"
    return response


async def session():
    db = {"db": "session"}
    events.append("open")
    try:
        yield db
    finally:
        db.clear()


router = APIRouter(prefix="/api/v1", tags=["v1"])


@router.get("/things/{thing_id}")
async def thing(thing_id: int, tags: List[str] = Query(default=[]), db=Depends(session)):
    return {"id": thing_id, "tags": tags, "db": db["db"]}


@router.post("/users", response_model=UserOut, status_code=201)
async def create_user(user: UserIn):
    return user


app.include_router(router)


@app.get("/events")
async def get_events():
    # The yield dependency's cleanup runs after the response is sent: not reported here (it would race this request).
    return {"events": sorted(set(events))}


@app.get("/teapot/{name}")
async def teapot(name: str):
    raise TeapotError(name)


@app.get("/auth")
async def auth():
    raise HTTPException(status_code=401, detail="no", headers={"WWW-Authenticate": "Bearer"})


@app.get("/detail")
async def detail():
    raise HTTPException(status_code=409, detail={"reason": "conflict", "ids": [1, 2]})


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: int):
    return Response(status_code=204)


@app.delete("/implicit/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_implicit(item_id: int):
    return None


@app.post("/login")
async def login(username: str = Form(...), password: str = Form(...), remember: bool = Form(False)):
    return {"username": username, "length": len(password), "remember": remember}


@app.get("/whoami")
async def whoami(session_id: Optional[str] = Cookie(default=None), user_agent: Optional[str] = Header(default=None),
                 x_tags: Optional[List[str]] = Header(default=None)):
    return {"session_id": session_id, "user_agent": user_agent, "x_tags": x_tags}


@app.get("/set-cookie")
async def set_cookie(response: Response):
    response.set_cookie("session_id", "abc", httponly=True)
    response.set_cookie("theme", "dark", max_age=3600, path="/", samesite="strict")
    return {"ok": True}


@app.get("/html", response_class=HTMLResponse)
async def html():
    return "<h1>hello</h1>"


@app.get("/redirect")
async def redirect():
    return RedirectResponse("/events")


@app.get("/stream")
async def stream():
    async def gen():
        for i in range(3):
            yield f"data: {i}\n\n"

    return StreamingResponse(gen(), media_type="text/event-stream")


@app.get("/sync-stream")
def sync_stream():
    def gen():
        for i in range(3):
            yield f"{i},"

    return StreamingResponse(gen(), media_type="text/csv")


@app.get("/query")
async def query(q: Optional[str] = Query(default=None, max_length=5), n: int = Query(default=1, ge=1, le=10)):
    return {"q": q, "n": n}


@app.get("/boom")
async def boom():
    raise RuntimeError("boom")


@app.get("/request")
async def request_info(request: Request):
    return {
        "url": str(request.url),
        "root_path": request.scope.get("root_path"),
        "client": request.client.host,
        "scheme": request.url.scheme,
        "docs": request.url_for("get_events"),
    }


async def ws_token(websocket: WebSocket, token: Optional[str] = Query(default=None)):
    return token


@app.websocket("/ws/{room}")
async def ws(websocket: WebSocket, room: str, token: Optional[str] = Depends(ws_token), q: Optional[int] = None):
    if token != "secret":
        await websocket.close(code=1008)
        return
    await websocket.accept()
    try:
        while True:
            data = await websocket.receive_json()
            await websocket.send_json({"room": room, "q": q, "data": data})
    except WebSocketDisconnect:
        pass
