"""A Django ASGI app in one file: get_asgi_application(), a view, a form POST (CSRF exempt), no static files."""
import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="asgibridge-tests",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    INSTALLED_APPS=[],
    USE_TZ=True,
)
django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


def hello(request):
    return HttpResponse(f"Hello from Django, {request.GET.get('name', 'world')}!", content_type="text/plain")


@csrf_exempt
def submit(request):
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405)
    return JsonResponse({"fields": dict(request.POST.items()), "length": len(request.body) if False else int(request.META.get("CONTENT_LENGTH") or 0)})


def meta(request):
    return JsonResponse({"path": request.path, "method": request.method, "query": request.META.get("QUERY_STRING")})


urlpatterns = [
    path("hello/", hello),
    path("submit/", submit),
    path("meta/", meta),
]

application = get_asgi_application()
