namespace AsgiBridge;

/// <summary>Whether the application's lifespan scope is run (uvicorn's <c>--lifespan</c>).</summary>
public enum AsgiLifespanMode
{
    /// <summary>Run it; an application that raises before answering startup is taken not to support lifespan (logged once at information level).</summary>
    Auto,

    /// <summary>Run it; any failure, including an application that does not support lifespan, stops the host.</summary>
    On,

    /// <summary>Do not run it.</summary>
    Off,
}
