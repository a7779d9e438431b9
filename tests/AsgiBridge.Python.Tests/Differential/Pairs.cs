using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>apps/raw_app.py: a plain ASGI 3 app.</summary>
public sealed class RawAppPair() : ServerPair("raw_app:app");

/// <summary>apps/starlette_app.py.</summary>
public sealed class StarlettePair() : ServerPair("starlette_app:app", "starlette", "multipart");

/// <summary>apps/fastapi_app.py.</summary>
public sealed class FastApiPair() : ServerPair("fastapi_app:app", "fastapi", "pydantic", "multipart");

/// <summary>apps/django_app.py.</summary>
public sealed class DjangoPair() : ServerPair("django_app:application", "django");

/// <summary>apps/quart_app.py.</summary>
public sealed class QuartPair() : ServerPair("quart_app:app", "quart");

/// <summary>apps/falcon_app.py.</summary>
public sealed class FalconPair() : ServerPair("falcon_app:app", "falcon");

/// <summary>apps/channels_app.py.</summary>
public sealed class ChannelsPair() : ServerPair("channels_app:application", "channels", "django");

/// <summary>apps/flask_app.py: Flask (WSGI) through asgiref's <c>WsgiToAsgi</c>.</summary>
public sealed class FlaskPair() : ServerPair("flask_app:app", "flask", "asgiref");

/// <summary>apps/starlette_extras_app.py: Starlette's middleware, mounts, static files, sessions, templates.</summary>
public sealed class StarletteExtrasPair() : ServerPair("starlette_extras_app:app", "starlette", "jinja2", "itsdangerous");

/// <summary>apps/fastapi_extras_app.py: FastAPI's docs, response models, forms, yield dependencies, middleware, routers.</summary>
public sealed class FastApiExtrasPair() : ServerPair("fastapi_extras_app:app", "fastapi", "pydantic", "multipart");

/// <summary>apps/django_extras_app.py: Django's streaming and file responses, redirects, error pages, META.</summary>
public sealed class DjangoExtrasPair() : ServerPair("django_extras_app:application", "django");

/// <summary>apps/django_extras_app.py with <c>--root-path /prefix</c> given to both servers.</summary>
public sealed class DjangoRootPathPair() : ServerPair("django_extras_app:application", "django")
{
    protected override string[] ServerArguments => ["--root-path", "/prefix"];
}

/// <summary>apps/starlette_extras_app.py with <c>--root-path /prefix</c> given to both servers.</summary>
public sealed class StarletteRootPathPair() : ServerPair("starlette_extras_app:app", "starlette", "jinja2", "itsdangerous")
{
    protected override string[] ServerArguments => ["--root-path", "/prefix"];
}

/// <summary>apps/quart_extras_app.py: Quart's sessions, files, templates, url_for, streams.</summary>
public sealed class QuartExtrasPair() : ServerPair("quart_extras_app:app", "quart");
