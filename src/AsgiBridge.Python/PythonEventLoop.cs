namespace AsgiBridge.Python;

/// <summary>The asyncio event loop implementation the app runs on (uvicorn's <c>--loop</c>).</summary>
public enum PythonEventLoop
{
    /// <summary>uvloop when it can be imported, else asyncio's default loop. The default.</summary>
    Auto,

    /// <summary>asyncio's default loop.</summary>
    Asyncio,

    /// <summary>uvloop; loading fails when it is not installed.</summary>
    Uvloop,
}
