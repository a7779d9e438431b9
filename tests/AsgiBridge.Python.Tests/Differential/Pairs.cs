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
