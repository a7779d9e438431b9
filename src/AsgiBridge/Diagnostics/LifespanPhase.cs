namespace AsgiBridge.Diagnostics;

/// <summary>Where the application's lifespan scope is, as the <c>asgibridge.lifespan.state</c> gauge reports it.</summary>
internal enum LifespanPhase
{
    /// <summary>No lifespan runs: <c>Asgi:Lifespan</c> is off, or the application does not support it (nothing is reported).</summary>
    None,

    /// <summary><c>lifespan.startup</c> was sent; no answer yet.</summary>
    Starting,

    /// <summary>Startup completed.</summary>
    Started,

    /// <summary><c>lifespan.shutdown</c> was sent; no answer yet.</summary>
    Stopping,

    /// <summary>Shutdown completed.</summary>
    Stopped,

    /// <summary>Startup or shutdown failed or timed out.</summary>
    Failed,
}
