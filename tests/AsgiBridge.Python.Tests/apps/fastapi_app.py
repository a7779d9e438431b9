"""A FastAPI app: pydantic validation (422), dependencies, UploadFile, WebSocket (unchanged FastAPI, as Debian ships it)."""
from typing import Optional

from fastapi import Depends, FastAPI, File, Header, HTTPException, UploadFile, WebSocket, WebSocketDisconnect
from pydantic import BaseModel

app = FastAPI(title="AsgiBridge test app")


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


def token(x_token: Optional[str] = Header(default=None)):
    if x_token != "secret":
        raise HTTPException(status_code=401, detail="bad token")
    return x_token


@app.get("/")
async def root():
    return {"message": "Hello World"}


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: Optional[str] = None, limit: int = 10):
    return {"item_id": item_id, "q": q, "limit": limit}


@app.post("/items", status_code=201)
async def create_item(item: Item):
    return {"name": item.name, "price": item.price, "tags": item.tags}


@app.get("/private")
async def private(user: str = Depends(token)):
    return {"token": user}


@app.post("/upload")
async def upload(file: UploadFile = File(...)):
    content = await file.read()
    return {"filename": file.filename, "size": len(content), "content_type": file.content_type}


@app.get("/sync")
def sync_endpoint():
    # A plain def runs in the thread pool (anyio): a Python thread besides the loop's.
    return {"sync": True}


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            data = await websocket.receive_text()
            await websocket.send_text(f"fastapi: {data}")
    except WebSocketDisconnect:
        pass
