"""A Django Channels app in one file: ProtocolTypeRouter with Django's own ASGI app and an AsyncHttpConsumer for
http, a URLRouter of WebSocket consumers (async, sync JSON, a group echo over the in-memory channel layer)."""
import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="asgibridge-tests",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    INSTALLED_APPS=["channels"],
    USE_TZ=True,
    CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
)
django.setup()

import json  # noqa: E402

from channels.exceptions import DenyConnection  # noqa: E402
from channels.generic.http import AsyncHttpConsumer  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer, JsonWebsocketConsumer, AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse  # noqa: E402
from django.urls import path, re_path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


def hello(request):
    return HttpResponse(f"Hello from Channels' Django, {request.GET.get('name', 'world')}!", content_type="text/plain")


@csrf_exempt
def echo(request):
    return JsonResponse({
        "method": request.method,
        "length": len(request.body),
        "type": request.content_type,
        "path": request.path,
        "path_info": request.path_info,
        "script_name": request.META.get("SCRIPT_NAME"),
        "query": request.META.get("QUERY_STRING"),
        "cookies": request.COOKIES,
        "remote": request.META.get("REMOTE_ADDR"),
        "host": request.get_host(),
        "secure": request.is_secure(),
    })


def stream(request):
    return StreamingHttpResponse((f"{i}\n" for i in range(5)), content_type="text/plain")


def cookies(request):
    response = HttpResponse("cookies set", content_type="text/plain")
    response.set_cookie("session", "abc", httponly=True, samesite="Lax")
    response.set_cookie("theme", "dark", path="/app")
    response["x-multi"] = "a"
    return response


def boom(request):
    raise RuntimeError("boom")


def redirect(request):
    from django.shortcuts import redirect as go
    return go("/hello/")


class LongPoll(AsyncHttpConsumer):
    async def handle(self, body):
        await self.send_headers(status=201, headers=[(b"content-type", b"application/json"), (b"x-consumer", b"http")])
        await self.send_body(b'{"part": 1, ', more_body=True)
        await self.send_body(json.dumps({"body": len(body)})[1:].encode())


class Chunks(AsyncHttpConsumer):
    async def handle(self, body):
        await self.send_headers(headers={b"content-type": b"text/plain"})
        for i in range(3):
            await self.send_body(f"chunk {i}\n".encode(), more_body=True)
        await self.send_body(b"")


class Echo(AsyncWebsocketConsumer):
    async def connect(self):
        room = self.scope["url_route"]["kwargs"]["room"]
        if room == "deny":
            raise DenyConnection()
        if room == "closed":
            await self.close(code=4403)
            return
        self.room = room
        offered = self.scope["subprotocols"]
        await self.accept(offered[0] if offered else None)

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            await self.send(bytes_data=bytes_data[::-1])
        elif text_data == "close":
            await self.close(code=4001)
        else:
            await self.send(text_data=f"{self.room}: {text_data}")


class SyncJson(JsonWebsocketConsumer):
    def connect(self):
        self.accept()

    def receive_json(self, content, **kwargs):
        if content.get("close"):
            self.close()
            return
        self.send_json({"echo": content, "thread": "sync"})


class Group(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add("everyone", self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard("everyone", self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.channel_layer.group_send("everyone", {"type": "broadcast", "content": content})

    async def broadcast(self, event):
        await self.send_json({"group": event["content"]})


urlpatterns = [
    path("hello/", hello),
    path("echo/", echo),
    path("stream/", stream),
    path("cookies/", cookies),
    path("boom/", boom),
    path("redirect/", redirect),
]

django_app = get_asgi_application()

application = ProtocolTypeRouter({
    "http": URLRouter([
        path("consumer/", LongPoll.as_asgi()),
        path("chunks/", Chunks.as_asgi()),
        re_path(r"", django_app),
    ]),
    "websocket": URLRouter([
        path("ws/json/", SyncJson.as_asgi()),
        path("ws/group/", Group.as_asgi()),
        path("ws/<str:room>/", Echo.as_asgi()),
    ]),
})
