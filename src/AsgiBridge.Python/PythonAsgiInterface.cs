namespace AsgiBridge.Python;

/// <summary>How the app is called (uvicorn's <c>--interface</c>).</summary>
public enum PythonAsgiInterface
{
    /// <summary>ASGI 3 when the app (or its <c>__call__</c>) is a coroutine function, else ASGI 2, as uvicorn decides. The default.</summary>
    Auto,

    /// <summary><c>await app(scope, receive, send)</c>.</summary>
    Asgi3,

    /// <summary>A double callable: <c>await app(scope)(receive, send)</c>.</summary>
    Asgi2,
}
