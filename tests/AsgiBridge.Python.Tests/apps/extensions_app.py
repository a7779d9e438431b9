"""ASGI extensions used from Python: early hints, trailers (AsgiBridge declares them; uvicorn 0.17 does not)."""
import json


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    extensions = scope.get("extensions") or {}
    if scope["path"] == "/hints":
        if "http.response.early_hint" in extensions:
            await send({"type": "http.response.early_hint", "links": [b"</style.css>; rel=preload; as=style"]})
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"page"})
    elif scope["path"] == "/trailers":
        declared = "http.response.trailers" in extensions
        await send({
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"trailer", b"x-checksum")],
            "trailers": True,
        })
        await send({"type": "http.response.body", "body": json.dumps(declared).encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        await send({"type": "http.response.trailers", "headers": [(b"x-checksum", b"abc")], "more_trailers": False})
