"""Django 3.2's responses and middleware in one file: streaming, files, redirects, APPEND_SLASH, DEBUG=False error
pages, cookies, an async view, request.META (unchanged Django, get_asgi_application())."""
import os

import django
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))
settings.configure(
    DEBUG=False,
    SECRET_KEY="asgibridge-tests",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    INSTALLED_APPS=[],
    USE_TZ=True,
    APPEND_SLASH=True,
    USE_X_FORWARDED_HOST=False,
    LOGGING_CONFIG=None,
)
django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.exceptions import PermissionDenied, SuspiciousOperation  # noqa: E402
from django.http import (FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect,  # noqa: E402
                         JsonResponse, StreamingHttpResponse)
from django.urls import path, re_path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402


def meta(request):
    keys = ["REMOTE_ADDR", "SERVER_NAME", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "REQUEST_METHOD",
            "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_HOST", "HTTP_X_FORWARDED_FOR", "HTTP_X_CUSTOM", "wsgi.url_scheme"]
    return JsonResponse({
        "meta": {k: request.META.get(k) for k in keys},
        "path": request.path,
        "path_info": request.path_info,
        "full_path": request.get_full_path(),
        "uri": request.build_absolute_uri(),
        "secure": request.is_secure(),
        "scheme": request.scheme,
        "get": {k: request.GET.getlist(k) for k in request.GET},
    })


def stream(request):
    return StreamingHttpResponse((f"row {i}\n" for i in range(5)), content_type="text/plain")


async def async_stream_view(request):
    return StreamingHttpResponse(iter([b"a", b"b", b"c"]), content_type="application/octet-stream")


def file_view(request):
    return FileResponse(open(os.path.join(HERE, "site", "style.css"), "rb"))


def attachment(request):
    return FileResponse(open(os.path.join(HERE, "site", "data.json"), "rb"), as_attachment=True, filename="report é.json")


def go(request):
    return HttpResponseRedirect("/meta/?from=go")


def cookies(request):
    response = HttpResponse("cookies", content_type="text/plain")
    response.set_cookie("a", "1")
    response.set_cookie("b", "two words", max_age=60, httponly=True, samesite="Lax")
    response.delete_cookie("c")
    return response


def boom(request):
    raise RuntimeError("boom")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("nope")


def missing(request):
    raise Http404("no such thing")


async def async_view(request):
    return JsonResponse({"async": True, "method": request.method})


@csrf_exempt
def echo(request):
    return JsonResponse({"bytes": len(request.body), "post": {k: request.POST.getlist(k) for k in request.POST}})


def csrf_protected(request):
    return HttpResponse("passed csrf")


@require_POST
def only_post(request):
    return HttpResponse("posted")


@csrf_exempt
def no_content(request):
    return HttpResponse(status=204)


def big(request, size):
    return HttpResponse(b"x" * size, content_type="application/octet-stream")


urlpatterns = [
    path("meta/", meta),
    path("stream/", stream),
    path("async-stream/", async_stream_view),
    path("file/", file_view),
    path("attachment/", attachment),
    path("go/", go),
    path("cookies/", cookies),
    path("boom/", boom),
    path("forbidden/", forbidden),
    path("suspicious/", suspicious),
    path("missing/", missing),
    path("async/", async_view),
    path("echo/", echo),
    path("csrf/", csrf_protected),
    path("only-post/", only_post),
    path("big/<int:size>/", big),
    path("no-content/", no_content),
    re_path(r"^caf\u00e9/$", meta),
]

application = get_asgi_application()
